"""HTML pages: parse, prune junk elements, extract the article with trafilatura, read it as blocks."""
