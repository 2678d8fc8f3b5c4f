//! The listener's limits over loopback, with raw bytes: a frame that never ends and an idle
//! connection are closed; connections that send no frame are closed and make room for a partner
//! at the cap; the allow-list and the per-peer limit refuse before reading; frames still
//! arriving share a bounded memory. The listener goes on serving throughout.
//!
//! The messages are ones the lab interface filters (OBR-25 = X), so nothing is sent on to a
//! downstream these tests do not own.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use messagefoundry::config::InboundSettings;
use messagefoundry::engine::Engine;
use messagefoundry::interface::{MllpListen, Tls};
use messagefoundry_tests::lab::ehr_down;
use messagefoundry_tests::{Client, PATIENCE, ack_code, oru};

async fn start(
    db: &std::path::Path,
    configure: impl FnOnce(&mut InboundSettings),
) -> (Engine, SocketAddr) {
    let mut inbound = InboundSettings::from(&MllpListen {
        bind: "127.0.0.1",
        ..MllpListen::DEFAULT
    });
    inbound.port = 0;
    configure(&mut inbound);
    let engine = messagefoundry_tests::lab::start(db, inbound, ehr_down()).await;
    let addr = engine.addresses()[0].1;
    (engine, addr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_frames_and_idle_connections_are_closed() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, addr) = start(&dir.path().join("s.redb"), |s| {
        s.frame_timeout = Duration::from_millis(200);
        s.idle_timeout = Duration::from_millis(400);
    })
    .await;

    // A frame that starts and never ends: closed after the frame timeout, nothing answered.
    let mut stalled = Client::connect(addr).await.unwrap();
    stalled.write_raw(b"\x0bMSH|^~\\&|LIS|LAB").await.unwrap();
    assert_eq!(stalled.receive().await.unwrap(), None);

    // A quiet connection outlives the frame timeout (it is only idle, not stalled)...
    let mut quiet = Client::connect(addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let ack = quiet.exchange(&oru_x("Q1")).await.unwrap().unwrap();
    assert_eq!(ack_code(&ack), "AA");

    // ...and a connection that sends nothing is closed after the idle timeout.
    let mut idle = Client::connect(addr).await.unwrap();
    assert_eq!(idle.receive().await.unwrap(), None);

    // The listener still serves.
    let mut client = Client::connect(addr).await.unwrap();
    let ack = client.exchange(&oru_x("T1")).await.unwrap().unwrap();
    assert_eq!(ack_code(&ack), "AA");
    engine.shutdown().await;
}

/// An ORU^R01 the lab interface filters: stored and answered, never sent on.
fn oru_x(control_id: &str) -> Vec<u8> {
    oru(control_id, "X")
}

/// The engine closed the connection without answering (an EOF or a reset), rather than
/// leaving it open.
async fn closed_without_answer(client: &mut Client) -> bool {
    match client.receive().await {
        Ok(None) => true,
        Ok(Some(_)) => false,
        Err(e) => e.kind() != std::io::ErrorKind::TimedOut,
    }
}

/// MSA-1 of the answer to `message`, or `None` if the connection closed without one.
async fn answer(client: &mut Client, message: &[u8]) -> Option<String> {
    match client.exchange(message).await {
        Ok(Some(ack)) => Some(ack_code(&ack)),
        _ => None,
    }
}

/// Connections that never complete a frame, in the ways an attacker holds a socket: silence,
/// bytes outside any frame, and a frame begun and never ended.
async fn squatters(addr: SocketAddr, n: usize) -> Vec<Client> {
    let mut held = Vec::new();
    for i in 0..n {
        let mut c = Client::connect(addr).await.expect("connects");
        let sent = match i % 3 {
            0 => Ok(()),
            1 => c.write_raw(b"hello").await,
            _ => c.write_raw(b"\x0bMSH|^~\\&|").await,
        };
        sent.expect("writes");
        held.push(c);
    }
    held
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_that_hold_sockets_without_frames_do_not_lock_a_partner_out() {
    let dir = tempfile::tempdir().unwrap();
    // The idle timeout stays at its ten minutes: only the new policy can make room.
    let (engine, addr) = start(&dir.path().join("s.redb"), |s| s.max_connections = 4).await;
    let mut held = squatters(addr, 12).await;

    let mut partner = Client::connect(addr).await.unwrap();
    assert_eq!(
        answer(&mut partner, &oru_x("P1")).await.as_deref(),
        Some("AA")
    );
    // The oldest squatter was closed to make room.
    assert!(closed_without_answer(&mut held[0]).await);

    // More squatters do not close the partner's connection: it has delivered a frame.
    held.extend(squatters(addr, 12).await);
    assert_eq!(
        answer(&mut partner, &oru_x("P2")).await.as_deref(),
        Some("AA")
    );
    // A second partner still gets in.
    let mut other = Client::connect(addr).await.unwrap();
    assert_eq!(
        answer(&mut other, &oru_x("P3")).await.as_deref(),
        Some("AA")
    );
    // Gone before shutdown, which would wait for the frames they began.
    drop(held);
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_cap_the_connection_quiet_longest_makes_room() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, addr) = start(&dir.path().join("s.redb"), |s| s.max_connections = 2).await;
    let mut first = Client::connect(addr).await.unwrap();
    assert_eq!(
        answer(&mut first, &oru_x("C1")).await.as_deref(),
        Some("AA")
    );
    let mut second = Client::connect(addr).await.unwrap();
    assert_eq!(
        answer(&mut second, &oru_x("C2")).await.as_deref(),
        Some("AA")
    );

    // Both have delivered frames; the one quiet longest is closed for the newcomer.
    let mut third = Client::connect(addr).await.unwrap();
    assert_eq!(
        answer(&mut third, &oru_x("C3")).await.as_deref(),
        Some("AA")
    );
    assert!(closed_without_answer(&mut first).await);
    assert_eq!(
        answer(&mut second, &oru_x("C4")).await.as_deref(),
        Some("AA")
    );
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_that_begins_no_frame_in_time_is_closed_with_or_without_tls() {
    for tls in [Tls::On, Tls::Off] {
        let dir = tempfile::tempdir().unwrap();
        let (engine, addr) = start(&dir.path().join("s.redb"), |s| {
            s.tls = tls;
            s.first_frame_timeout = Duration::from_millis(300);
        })
        .await;
        let mut silent = Client::connect(addr).await.unwrap();
        let mut junk = Client::connect(addr).await.unwrap();
        junk.write_raw(b"bytes before any start block")
            .await
            .unwrap();
        assert!(closed_without_answer(&mut silent).await, "{tls:?}");
        assert!(closed_without_answer(&mut junk).await, "{tls:?}");

        // A partner that speaks at once is served, and may then be quiet for longer.
        let mut partner = Client::connect(addr).await.unwrap();
        assert_eq!(
            answer(&mut partner, &oru_x("F1")).await.as_deref(),
            Some("AA")
        );
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert_eq!(
            answer(&mut partner, &oru_x("F2")).await.as_deref(),
            Some("AA")
        );
        engine.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peers_off_the_allow_list_are_closed_before_anything_is_read() {
    let dir = tempfile::tempdir().unwrap();
    // Only a documentation network: loopback is not on the list.
    let (engine, addr) = start(&dir.path().join("s.redb"), |s| {
        s.allow = vec!["192.0.2.0/24".parse().unwrap()];
    })
    .await;
    let mut refused = Client::connect(addr).await.unwrap();
    let _ = refused.send(&oru_x("R1")).await;
    assert!(closed_without_answer(&mut refused).await);
    let store = engine.store().clone();
    let stored = tokio::task::spawn_blocking(move || store.latest(None, 10))
        .await
        .unwrap()
        .unwrap();
    assert!(stored.is_empty(), "nothing from a refused peer is stored");
    engine.shutdown().await;

    let dir = tempfile::tempdir().unwrap();
    let (engine, addr) = start(&dir.path().join("s.redb"), |s| {
        s.allow = vec![
            "192.0.2.0/24".parse().unwrap(),
            "127.0.0.0/8".parse().unwrap(),
        ];
    })
    .await;
    let mut allowed = Client::connect(addr).await.unwrap();
    assert_eq!(
        answer(&mut allowed, &oru_x("A1")).await.as_deref(),
        Some("AA")
    );
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_peer_may_hold_at_most_its_share_of_connections() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, addr) = start(&dir.path().join("s.redb"), |s| {
        s.max_connections_per_peer = Some(2);
    })
    .await;
    let mut a = Client::connect(addr).await.unwrap();
    assert_eq!(answer(&mut a, &oru_x("L1")).await.as_deref(), Some("AA"));
    let mut b = Client::connect(addr).await.unwrap();
    assert_eq!(answer(&mut b, &oru_x("L2")).await.as_deref(), Some("AA"));
    let mut c = Client::connect(addr).await.unwrap();
    let _ = c.send(&oru_x("L3")).await;
    assert!(closed_without_answer(&mut c).await);
    assert_eq!(answer(&mut b, &oru_x("L4")).await.as_deref(), Some("AA"));

    // Once one closes, the peer may open another (as soon as the engine has seen the close).
    drop(a);
    let deadline = Instant::now() + PATIENCE;
    loop {
        let mut d = Client::connect(addr).await.unwrap();
        if answer(&mut d, &oru_x("L5")).await.as_deref() == Some("AA") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "a connection freed is never reused"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    engine.shutdown().await;
}

/// An ORU^R01 with a note of `size` bytes: a large message.
fn large(control_id: &str, size: usize) -> Vec<u8> {
    let mut m = oru_x(control_id);
    m.extend_from_slice(b"NTE|1||");
    m.extend(std::iter::repeat_n(b'x', size));
    m.push(b'\r');
    m
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_frames_arriving_at_once_share_a_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, addr) = start(&dir.path().join("s.redb"), |s| {
        s.max_frame = 1 << 20;
        s.max_frame_memory = 100_000;
    })
    .await;
    // One connection holds a large frame part sent: it takes more than half the budget.
    let held = large("H1", 150_000);
    let (head, tail) = held.split_at(120_000);
    let mut holder = Client::connect(addr).await.unwrap();
    holder.write_raw(b"\x0b").await.unwrap();
    holder.write_raw(head).await.unwrap();
    // Let the engine read it before the other frame competes for the room.
    tokio::time::sleep(Duration::from_millis(200)).await;

    // Another's large frame finds no room: it is refused with AR, once the engine has read
    // the held bytes (until then it may still be taken).
    let mut other = Client::connect(addr).await.unwrap();
    let deadline = Instant::now() + PATIENCE;
    let mut n = 0;
    loop {
        n += 1;
        let code = answer(&mut other, &large(&format!("O{n}"), 150_000)).await;
        if code.as_deref() == Some("AR") {
            break;
        }
        assert_eq!(code.as_deref(), Some("AA"), "the connection stays usable");
        assert!(
            Instant::now() < deadline,
            "a frame over the memory budget was kept"
        );
    }
    // The connection stays usable, and small frames never need the shared budget.
    assert_eq!(
        answer(&mut other, &oru_x("S1")).await.as_deref(),
        Some("AA")
    );

    // The held frame was kept whole and is stored when it ends.
    holder.write_raw(tail).await.unwrap();
    holder.write_raw(b"\x1c\r").await.unwrap();
    let ack = holder.receive().await.unwrap().expect("an answer");
    assert_eq!(ack_code(&ack), "AA");
    engine.shutdown().await;
}
