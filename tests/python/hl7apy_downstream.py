"""A downstream built on hl7apy's MLLP server (PyPI `hl7apy`), for the end-to-end tests.

    hl7apy_downstream.py N   serve on a free loopback port, ACK each message AA with hl7apy,
                             print "LISTENING <port>" first, then "RECEIVED <MSH-10>" for each
                             message; stop after N messages or 120 s

hl7apy's server closes the connection after every acknowledgment, which MLLP allows and many
real systems do. Written for this project's tests; loopback only, and every wait is bounded.
"""

import sys
import threading

from hl7apy.core import Message
from hl7apy.mllp import AbstractHandler, MLLPServer
from hl7apy.parser import parse_message

count = int(sys.argv[1])
seen = []
done = threading.Event()
lock = threading.Lock()


class Acknowledge(AbstractHandler):
    def reply(self):
        incoming = parse_message(self.incoming_message, find_groups=False)
        control_id = incoming.msh.msh_10.value
        ack = Message("ACK", version=incoming.msh.msh_12.value)
        ack.msh.msh_3 = incoming.msh.msh_5.value
        ack.msh.msh_5 = incoming.msh.msh_3.value
        ack.msh.msh_9 = "ACK"
        ack.msh.msh_10 = "A" + control_id
        ack.msh.msh_11 = "P"
        ack.msa.msa_1 = "AA"
        ack.msa.msa_2 = control_id
        with lock:
            seen.append(control_id)
            print("RECEIVED", control_id, flush=True)
            if len(seen) >= count:
                done.set()
        return ack.to_mllp()


# hl7apy looks a handler up by MSH-9 as written, with or without the structure component.
handlers = {"ORU^R01": (Acknowledge,), "ORU^R01^ORU_R01": (Acknowledge,)}
server = MLLPServer("127.0.0.1", 0, handlers, timeout=10)
print("LISTENING", server.server_address[1], flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
done.wait(120)
server.shutdown()
