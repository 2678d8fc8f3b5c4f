"""The lab results feed of examples/lab-oru, for the Python `messagefoundry` engine (PyPI),
so that both engines do the same job in scripts/load.sh, on the ports it picked (given in
LOAD_INBOUND_PORT and LOAD_EHR_PORT). Written for this project."""

import os

from messagefoundry import MLLP, Send, handler, inbound, outbound, router

inbound("IB_Lab_ORU", MLLP(port=int(os.environ["LOAD_INBOUND_PORT"])), router="oru_router")
outbound("OB_EHR_ORU", MLLP(host="127.0.0.1", port=int(os.environ["LOAD_EHR_PORT"])))


@router("oru_router")
def oru_router(msg):  # type: ignore[no-untyped-def]
    if msg["MSH-9.1"] != "ORU":
        return []
    return ["to_ehr"]


@handler("to_ehr")
def to_ehr(msg):  # type: ignore[no-untyped-def]
    if msg["OBR-25"] == "X":
        return None
    return Send("OB_EHR_ORU", msg)
