// An independent MLLP client for the end-to-end tests, built on node-hl7-client (npm).
//
//   node send.mjs PORT CONNECTIONS COUNT TEMPLATE [CA]
//
// Opens CONNECTIONS connections to 127.0.0.1:PORT (over TLS trusting the PEM file CA, checking
// the name "localhost", when CA is given) and sends COUNT messages on each: TEMPLATE (a file
// holding one HL7 message) with MSH-10 set to NODE-<connection>-<n>, one at a time, each after
// the previous one's ACK. Prints "ACK <control ID sent> <MSA-1> <MSA-2>" per ACK and "DONE"
// at the end. Every wait is bounded: no ACK within 10 s fails the run.
//
// One message at a time on purpose: node-hl7-client 3.2 queues a message sent while it waits
// for an ACK and never sends it (with waitAck), or runs ACKs that arrive together into one
// (without). Written for this project's tests; loopback only.

import { readFileSync } from "node:fs";
import { Client, Message } from "node-hl7-client";

const PATIENCE_MS = 10_000;

const [port, connections, count, template, ca] = process.argv.slice(2);
const text = readFileSync(template, "utf8");
const tls = ca === undefined ? undefined : { ca: readFileSync(ca), servername: "localhost" };
const client = new Client({ host: "127.0.0.1", tls });

function bounded(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${PATIENCE_MS} ms`)), PATIENCE_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function run(connection) {
  let answered = null;
  const conn = client.createConnection(
    { port: Number(port), waitAck: false, maxConnectionAttempts: 1 },
    async (response) => {
      const ack = response.getMessage();
      answered?.([ack.get("MSA.1").toString(), ack.get("MSA.2").toString()]);
    },
  );
  await bounded(new Promise((resolve) => conn.once("connect", resolve)), "connection");
  for (let n = 1; n <= Number(count); n++) {
    const id = `NODE-${connection}-${n}`;
    const message = new Message({ text });
    message.set("MSH.10", id);
    const ack = new Promise((resolve) => {
      answered = resolve;
    });
    await conn.sendMessage(message);
    const [code, acked] = await bounded(ack, `ACK for ${id}`);
    answered = null;
    console.log(`ACK ${id} ${code} ${acked}`);
  }
  await conn.close();
}

try {
  await Promise.all(Array.from({ length: Number(connections) }, (_, c) => run(c + 1)));
  console.log("DONE");
  process.exit(0);
} catch (e) {
  console.error(`node peer failed: ${e.message}`);
  process.exit(1);
}
