"""Text: normalising characters, splitting text into blocks and sentences, guessing the language."""
