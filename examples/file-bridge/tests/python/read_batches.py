"""Reads batch files with python-hl7 (PyPI `hl7`), an independent HL7 reader, for the batch
file tests of the file bridge.

    read_batches.py FILE...   for each file, in the order given: "FILE <FTS-1> <batches>",
                              then for each batch "BATCH <BTS-1> <messages>", then for each
                              message "MSG <MSH-10>"
"""

import sys

import hl7


def main(paths):
    for path in paths:
        with open(path, "rb") as f:
            parsed = hl7.parse_file(f.read().decode("utf-8"))
        print("FILE", str(parsed.trailer[1]), len(parsed))
        for batch in parsed:
            print("BATCH", str(batch.trailer[1]), len(batch))
            for message in batch:
                print("MSG", str(message.segment("MSH")[10]))


if __name__ == "__main__":
    main(sys.argv[1:])
