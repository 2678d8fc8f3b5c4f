//! The MLLP codec over a real loopback socket: frames split by TCP, garbage, and a peer that
//! hangs up mid-frame.

use futures_util::{SinkExt, StreamExt};
use messagefoundry::mllp::{Frame, MllpCodec, MllpError};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::{FramedRead, FramedWrite};

#[tokio::test]
async fn frames_survive_tcp_and_a_truncated_tail_is_an_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let client = tokio::spawn(async move {
        let stream = TcpStream::connect(addr).await.unwrap();
        let mut framed = FramedWrite::new(stream, MllpCodec::default());
        framed.send(&b"MSH|^~\\&|A\r"[..]).await.unwrap();
        let mut stream = framed.into_inner();
        // Garbage, then a frame written a few bytes at a time, then half a frame.
        stream.write_all(b"noise").await.unwrap();
        for chunk in b"\x0bMSH|^~\\&|B\r\x1c\r".chunks(3) {
            stream.write_all(chunk).await.unwrap();
            stream.flush().await.unwrap();
        }
        stream.write_all(b"\x0bMSH|cut").await.unwrap();
        stream.shutdown().await.unwrap();
    });
    let (socket, _) = listener.accept().await.unwrap();
    let mut frames = FramedRead::new(socket, MllpCodec::default());
    let first = frames.next().await.unwrap().unwrap();
    assert_eq!(first, Frame::Message(b"MSH|^~\\&|A\r"[..].into()));
    let second = frames.next().await.unwrap().unwrap();
    assert_eq!(second, Frame::Message(b"MSH|^~\\&|B\r"[..].into()));
    let third = frames.next().await.unwrap();
    assert!(matches!(third, Err(MllpError::TruncatedFrame { len: 7 })));
    client.await.unwrap();
}
