"""Every leaf value of HL7 messages as python-hl7 (PyPI `hl7`) parses them, for the corpus
differential test (tests/tests/python_hl7_corpus.rs).

Reads records from standard input, each a line `MESSAGE <name> <length>`, then <length> bytes
of a message and a newline. Decodes each as UTF-8, or Latin-1 when that fails (the bytes are
not UTF-8), normalises its line endings to `\r` (python-hl7 splits segments on `\r` only)
and parses it with `hl7.parse_hl7` (a message, or a batch or file by its header
segment). Prints, per message, one line per segment:

    SEGMENT <name> <index> <id>

and one line per leaf (field, repetition, component, sub-component, all counted from 1):

    LEAF <name> <index> <field> <repetition> <component> <sub-component> <hex of the value>

where the value is encoded back with the codec it was decoded with, so that it compares with
the bytes of the message; `BATCH <name>` when python-hl7 reads a batch or file, not one
message; or `FAILED <name> <reason>` when python-hl7 refuses it. An empty
segment (a blank line between segments) is skipped and counted: `BLANK <name> <count>`.

Written for this project's tests.
"""

import sys

import hl7


def decode(data):
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def walk(node, at, emit):
    """Emits the leaves under a field: python-hl7 nests a level only where a separator of it
    (or of a level below) occurs, so a plain string stands for the first of each level below."""
    if isinstance(node, str):
        emit(at + [1] * (4 - len(at)), node)
        return
    for n, child in enumerate(node, 1):
        walk(child, at + [n], emit)


def leaves(name, data, out):
    text, codec = decode(data)
    text = text.replace("\r\n", "\r").replace("\n", "\r")
    try:
        message = hl7.parse_hl7(text)
    except Exception as e:  # python-hl7 raises several kinds; each is reported
        out.write(f"FAILED {name} {type(e).__name__}\n")
        return
    if not isinstance(message, hl7.Message):
        out.write(f"BATCH {name}\n")
        return
    blank = 0
    index = 0
    for segment in message:
        if str(segment) == "":
            blank += 1
            continue
        out.write(f"SEGMENT {name} {index} {segment[0]}\n")

        def emit(at, value, index=index):
            value = value.encode(codec).hex()
            out.write(f"LEAF {name} {index} {' '.join(map(str, at))} {value}\n")

        for f in range(1, len(segment)):
            walk(segment[f], [f], emit)
        index += 1
    if blank:
        out.write(f"BLANK {name} {blank}\n")


def main():
    stdin = sys.stdin.buffer
    out = sys.stdout
    while True:
        header = stdin.readline()
        if not header:
            break
        _, name, length = header.decode("ascii").split()
        data = stdin.read(int(length))
        stdin.read(1)
        leaves(name, data, out)
    out.flush()


if __name__ == "__main__":
    main()
