"""Counts of a pytest JUnit XML report, for scripts/test.sh.

Prints "N passed, N failed, N errors, N skipped"; each skipped test, with its reason,
goes to stderr so that the log says why.
"""
import sys
import xml.etree.ElementTree as ET


def main(path):
    counts = {"passed": 0, "failed": 0, "errors": 0, "skipped": 0}
    for case in ET.parse(path).getroot().iter("testcase"):
        kinds = {child.tag for child in case}
        if "skipped" in kinds:
            counts["skipped"] += 1
            print("  skipped: %s::%s: %s" % (case.get("classname"), case.get("name"),
                                             case.find("skipped").get("message", "")),
                  file=sys.stderr)
        elif "error" in kinds:
            counts["errors"] += 1
        elif "failure" in kinds:
            counts["failed"] += 1
        else:
            counts["passed"] += 1
    print(", ".join("%d %s" % (n, kind) for kind, n in counts.items()))


if __name__ == "__main__":
    main(sys.argv[1])
