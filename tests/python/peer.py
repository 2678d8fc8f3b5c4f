"""An independent MLLP peer for the end-to-end tests, built on python-hl7 (PyPI `hl7`).

    peer.py send PORT FILE   send one message with python-hl7's asyncio client, print the ACK
    peer.py receive PORT N   accept messages with python-hl7's asyncio server, ACK each with
                             python-hl7's create_ack, print "RECEIVED <MSH-10>", stop after N;
                             first prints "LISTENING <port>" (PORT 0: any free port)
    peer.py send-batch PORT FILE
                             send the batch in FILE as one frame, read the answer with
                             python-hl7's batch parser and print "BATCH <BHS-12> <BTS-1>", then
                             "ACK <MSA-1> <MSA-2>" for each acknowledgment in it
    peer.py receive-batch PORT N
                             as receive, for batches: answer each with an acknowledgment batch
                             (BHS-12 naming its BHS-11, create_ack for each message: AE for a
                             control ID starting "AE" the first time it comes, AR for one
                             starting "AR", else AA)

Written for this project's tests; loopback only, and every wait is bounded.
"""

import asyncio
import sys

import hl7
from hl7.mllp import open_hl7_connection, start_hl7_server


async def send(port, path):
    with open(path, "rb") as f:
        message = hl7.parse(f.read().decode("utf-8"))
    reader, writer = await asyncio.wait_for(open_hl7_connection("127.0.0.1", port), 10)
    writer.writemessage(message)
    await writer.drain()
    ack = await asyncio.wait_for(reader.readmessage(), 10)
    print(str(ack).replace("\r", "\n"), flush=True)
    writer.close()
    await writer.wait_closed()


async def serve(port, count, answer):
    """Serves until `count` messages were seen; `answer(reader, writer, seen)` reads one frame,
    answers it and adds the control IDs it held to `seen`."""
    done = asyncio.Event()
    seen = []

    async def on_connection(reader, writer):
        try:
            while not writer.is_closing():
                await answer(reader, writer, seen)
                await writer.drain()
                if len(seen) >= count:
                    done.set()
        except asyncio.IncompleteReadError:
            if not writer.is_closing():
                writer.close()

    async with await start_hl7_server(on_connection, "127.0.0.1", port) as server:
        print("LISTENING", server.sockets[0].getsockname()[1], flush=True)
        await asyncio.wait_for(done.wait(), 30)
        server.close()


async def answer_message(reader, writer, seen):
    message = await reader.readmessage()
    seen.append(str(message.segment("MSH")[10]))
    print("RECEIVED", seen[-1], flush=True)
    writer.writemessage(message.create_ack())


def text(block):
    return block.decode("utf-8").strip()


async def send_batch(port, path):
    with open(path, "rb") as f:
        batch = f.read()
    reader, writer = await asyncio.wait_for(open_hl7_connection("127.0.0.1", port), 10)
    writer.writeblock(batch)
    await writer.drain()
    answer = hl7.parse_batch(text(await asyncio.wait_for(reader.readblock(), 10)))
    print("BATCH", str(answer.header[12]), str(answer.trailer[1]), flush=True)
    for ack in answer:
        msa = ack.segment("MSA")
        print("ACK", str(msa[1]), str(msa[2]), flush=True)
    writer.close()
    await writer.wait_closed()


def code_for(control_id, seen):
    if control_id.startswith("AR"):
        return "AR"
    if control_id.startswith("AE") and control_id not in seen:
        return "AE"
    return "AA"


async def answer_batch(reader, writer, seen):
    batch = hl7.parse_batch(text(await reader.readblock()))
    batch_id = str(batch.header[11])
    acks = []
    for message in batch:
        control_id = str(message.segment("MSH")[10])
        acks.append(str(message.create_ack(ack_code=code_for(control_id, seen))))
        seen.append(control_id)
        print("RECEIVED", control_id, flush=True)
    answer = "BHS|^~\\&|EHR||LAB||||||A%s|%s\r%s\rBTS|%d\r" % (
        batch_id,
        batch_id,
        "\r".join(acks),
        len(acks),
    )
    writer.writeblock(answer.encode("utf-8"))


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "send":
        asyncio.run(send(port, sys.argv[3]))
    elif mode == "receive":
        asyncio.run(serve(port, int(sys.argv[3]), answer_message))
    elif mode == "send-batch":
        asyncio.run(send_batch(port, sys.argv[3]))
    elif mode == "receive-batch":
        asyncio.run(serve(port, int(sys.argv[3]), answer_batch))
    else:
        sys.exit("usage: peer.py send|send-batch PORT FILE | receive|receive-batch PORT N")


if __name__ == "__main__":
    main()
