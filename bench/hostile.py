"""Time and memory of the library on inputs made to cost them: each case runs in a child process with
a wall-time limit, and its outcome, seconds and peak memory (VmHWM) are printed.

Usage: python bench/hostile.py [--limit SECONDS] [--only NAME]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROSE = ("Die Stadt hat am Montag beschlossen, die Brücke über den Fluss bis zum Sommer zu sanieren und "
         "dafür Geld aus dem Haushalt bereitzustellen.")

# name -> Python source run in the child; it leaves its outcome in `outcome`.
CASES = {
    "url list of 40 then a word": f"outcome = clean_text({PROSE!r} + '\\n\\n' + ' '.join(f'https://example.com/{{n}}' for n in range(40)) + ' Wort')",
    "200 KB word for a 14-word rule": f"outcome = clean_text({PROSE!r} + '\\n\\n' + 'gratis-' * 30000)",
    "70 KB of skipped sentence ends": "outcome = clean_text('am 3. Mai und ' * 5000)",
    "2.5 MB of hard-wrapped lines": "outcome = clean_text('Anfang\\n' + 'und der Satz geht in der nächsten Zeile weiter\\n' * 39000)",
    "user rule (a|aa)+ on a 500-byte block": "outcome = clean_text('a' * 60 + '!', rules=rules(r'^(a|aa)+$'))",
    "user rule (\\w|\\d)+": "outcome = clean_text('1' * 400 + '!', rules=rules(r'^(\\w|\\d)+$'))",
    "user rule (a{1,10}){1,10}": "outcome = clean_text('a' * 90 + '!', rules=rules(r'^(a{1,10}){1,10}$'))",
    "user rule nested repeat in a lookahead": "outcome = clean_text('a' * 400 + '!', rules=rules(r'^(?=(a+)+$)'))",
    "user rule a.*b.*c.*d.*e": "outcome = clean_text('a' + 'b' * 150 + 'c' * 150 + 'd' * 150, rules=rules(r'a.*b.*c.*d.*e'))",
    "user selector of 40 descendant steps": "outcome = rules(' '.join(['div'] * 40), kind='selector')",
    "user selector of 6 steps, deep wide page": ("outcome = clean_html(page('<div>' * 150 + '<p>x</p>' + '</div>' * 150"
                                                  " + '<div>' + '<span>x</span>' * 40000 + '</div>'),"
                                                  " rules=rules('div div div div div div p', kind='selector'))"),
    "7,000 attributes on one element": "outcome = clean_html(page('<div ' + ' '.join(f'a{n}' for n in range(7000)) + '>x</div>'))",
    "100,000 quoted attributes with '>'": "outcome = clean_html(page('<div ' + ''.join(f'a{n}=\">\"' for n in range(100000)) + '>x</div>'))",
    "49,000 siblings": "outcome = clean_html(page('<div>' + '<span class=\"x\">x</span>' * 49000 + '</div>'))",
    "script of 60,000 comparisons": "outcome = clean_html(page('<script>' + 'if (a<b) {{ c(); }}\\n' * 60000 + '</script>'))",
    "90 nested lists, 36,000 tags": ("one = ''.join(f'<ul><li>Punkt {n}' for n in range(90)) + '</li></ul>' * 90\n"
                                     "outcome = clean_html(page(one * 200))"),
    "1 MB of 90 nested lists, element limit raised": (
        "import os; os.environ['CLEANERS_MAX_ELEMENTS'] = '200000'\n"
        "one = ''.join(f'<ul><li>Punkt {n}' for n in range(90)) + '</li></ul>' * 90\n"
        "outcome = clean_html(page(one * (1_000_000 // len(one))))"),
    "control-character references": "outcome = clean_html(page('<p>' + ' '.join(['&#1;', '&#14;', '&#xFFFE;', '&#xD800;']) + ' Weiter.</p>'))",
    "invisible characters in a phrase": f"outcome = clean_text({PROSE!r} + '\\n\\nAnz\\u200eeige\\n\\nNewsletter abonn\\u2063ieren')",
    "lookalike letters in a phrase": f"outcome = clean_text({PROSE!r} + '\\n\\n\\u0410nzeige')",
}

PRELUDE = textwrap.dedent(f"""
    import json, resource, sys, tempfile, time
    from pathlib import Path
    sys.path.insert(0, {str(ROOT)!r})
    from cleaners import CleaningError, RuleError, clean_html, clean_text, load_rules

    def rules(pattern, kind='block'):
        folder = Path(tempfile.mkdtemp())
        (folder / 'mine.toml').write_text('[[rules]]\\nid = "promo.x"\\ncategory = "promo"\\nkind = "' + kind
            + '"\\npattern = ' + json.dumps(pattern) + '\\nwhy = "x"\\nexamples.remove = ["x"]\\nexamples.keep = ["y"]\\n')
        return load_rules(folder)

    def page(body):
        return "<html><body><article><p>{PROSE}</p>" + body + "<p>{PROSE}</p></article></body></html>"

    clean_text({PROSE!r})  # imports and rules loaded before the clock starts
    start = time.monotonic()
    try:
""")
EPILOGUE = textwrap.dedent("""
        outcome = 'done' + (f', timed out: {outcome.timed_out}' if getattr(outcome, 'timed_out', None) else '')
    except (CleaningError, RuleError) as exc:
        outcome = f"{type(exc).__name__}: {getattr(exc, 'code', '')} {str(exc)[:80]}"
    seconds = time.monotonic() - start
    peak = next(int(line.split()[1]) for line in open('/proc/self/status') if line.startswith('VmHWM'))
    print(json.dumps({'outcome': outcome, 'seconds': seconds, 'peak_mb': peak / 1024}))
""")


def run(name: str, source: str, limit: float) -> dict:
    code = PRELUDE + textwrap.indent(source, "    ") + EPILOGUE
    started = time.monotonic()
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=limit)
    except subprocess.TimeoutExpired:
        return {"outcome": f"NOT DONE in {limit:g} s", "seconds": time.monotonic() - started, "peak_mb": float("nan")}
    if done.returncode:
        return {"outcome": f"crashed: {done.stderr.strip().splitlines()[-1][:100]}", "seconds": float("nan"), "peak_mb": float("nan")}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=float, default=60.0, help="seconds a case may take")
    parser.add_argument("--only", help="run the cases whose name contains this")
    args = parser.parse_args(argv)
    results = []
    for name, source in CASES.items():
        if args.only and args.only not in name:
            continue
        result = run(name, source, args.limit)
        results.append(result)
        print(f"{name:42} {result['seconds']:7.2f} s {result['peak_mb']:8.0f} MB  {result['outcome']}", flush=True)
    handled = sum(not r["outcome"].startswith(("NOT DONE", "crashed")) for r in results)
    print(f"\n{handled} of {len(results)} cases handled; worst {max(r['seconds'] for r in results):.2f} s, "
          f"{max(r['peak_mb'] for r in results):.0f} MB peak (process, imports included)")
    return 0 if handled == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
