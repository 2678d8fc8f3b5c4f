"""An independent MLLP peer for the end-to-end tests, built on python-hl7 (PyPI `hl7`).

    peer.py send PORT FILE   send one message with python-hl7's asyncio client, print the ACK
    peer.py receive PORT N   accept messages with python-hl7's asyncio server, ACK each with
                             python-hl7's create_ack, print "RECEIVED <MSH-10>", stop after N;
                             first prints "LISTENING <port>" (PORT 0: any free port)

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


async def receive(port, count):
    done = asyncio.Event()
    seen = []

    async def on_connection(reader, writer):
        try:
            while not writer.is_closing():
                message = await reader.readmessage()
                seen.append(str(message.segment("MSH")[10]))
                print("RECEIVED", seen[-1], flush=True)
                writer.writemessage(message.create_ack())
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


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "send":
        asyncio.run(send(port, sys.argv[3]))
    elif mode == "receive":
        asyncio.run(receive(port, int(sys.argv[3])))
    else:
        sys.exit("usage: peer.py send PORT FILE | receive PORT N")


if __name__ == "__main__":
    main()
