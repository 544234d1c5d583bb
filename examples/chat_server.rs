//! A TCP chat server: `chat` from "The Go Programming Language" (Donovan & Kernighan), §8.10,
//! <https://github.com/adonovan/gopl.io/blob/master/ch8/chat/chat.go>, with two of the book's
//! exercises: a client's first line is its name (8.14), and whoever joins is told who is in
//! the room (8.12). The sockets come from `async-net`, smol's networking crate: it brings its
//! own reactor (async-io's), so it runs on any executor. Here that is gort's, to show that gort
//! runs the async I/O ecosystem as it is.
//!
//! ```text
//! cargo run --example chat_server                              # a scripted session, checked
//! cargo run --example chat_server -- --serve 127.0.0.1:8000    # a server that runs until ^C
//! nc 127.0.0.1 8000                                            # in other terminals: type your
//!                                                              # name, then chat; ^D leaves
//! ```
//!
//! Go → gort: the goroutines `broadcaster`, `handleConn` and `clientWriter` are `gort::go` tasks;
//! the unbuffered channels `entering`, `leaving` and `messages` are `gort::chan::bounded(0)`, held
//! in a `Hub` of senders that each connection gets a clone of (Go keeps them in package
//! variables); the broadcaster's `select` is `gort::select!`; `net.Listen`/`Accept` are
//! `async_net::TcpListener`, `bufio.Scanner` is `futures::io::BufReader::lines` and
//! `fmt.Fprintln(conn, msg)` is `write_all`. Go's `type client chan<- string` is its own map key;
//! gort's `Sender` is `Eq + Hash` by channel too, so a leaving client is found by its channel
//! (`c.ch == cli`). Differences: the broadcaster keeps a `Vec` in arrival order rather than a
//! map (which makes the "here now" list deterministic). Go's `handleConn` closes the connection as soon as the client
//! has left; here it closes when its last handle is dropped, which is after `clientWriter` has
//! written everything the broadcaster gave it. The broadcaster returns once nobody can send to it
//! (Go's runs forever), so the scripted session ends by aborting the accept loop.
//!
//! Without arguments the example starts the server on an ephemeral port and runs alice, bob and
//! carol through a session in the same process. Each step waits until every client has received
//! what that step makes the server send (no sleeps), so every transcript is deterministic; every
//! line is checked as it arrives, and once a client has left, the server must close its
//! connection with nothing more to say.

use std::net::{Shutdown, SocketAddr};
use std::time::Duration;

use async_net::{TcpListener, TcpStream};
use futures::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use futures::StreamExt;
use gort::chan::{Receiver, Sender};

/// A connected client, as the broadcaster knows it (Go: `type client chan<- string`, plus the
/// name of exercise 8.12).
struct Client {
    name: String,
    /// Where the broadcaster puts the lines for this client's writer; also who it is (Go
    /// compares the channels themselves, and so can gort).
    ch: Sender<String>,
}

/// The broadcaster's inputs: Go's package-level `entering`, `leaving` and `messages`.
#[derive(Clone)]
struct Hub {
    entering: Sender<Client>,
    leaving: Sender<Sender<String>>,
    /// Every line any client says, on its way to all of them.
    messages: Sender<String>,
}

/// Go's `main` after `net.Listen`: start the broadcaster, then serve each connection in its own
/// task.
async fn serve(listener: TcpListener) {
    let (entering, entering_rx) = gort::chan::bounded(0);
    let (leaving, leaving_rx) = gort::chan::bounded(0);
    let (messages, messages_rx) = gort::chan::bounded(0);
    gort::go(broadcaster(entering_rx, leaving_rx, messages_rx));
    let hub = Hub {
        entering,
        leaving,
        messages,
    };
    loop {
        match listener.accept().await {
            Ok((conn, _addr)) => gort::go(handle_conn(conn, hub.clone())),
            Err(err) => eprintln!("accept: {err}"), // Go: log.Print(err); continue
        }
    }
}

async fn broadcaster(
    entering: Receiver<Client>,
    leaving: Receiver<Sender<String>>,
    messages: Receiver<String>,
) {
    let mut clients: Vec<Client> = Vec::new(); // who is in the room, in arrival order
    loop {
        // A closed channel means every `Hub` is gone: the server has stopped.
        gort::select! {
            msg = recv(messages) => {
                let Some(msg) = msg else { return };
                for cli in &clients {
                    let _ = cli.ch.send(msg.clone()).await; // fails only if its writer died
                }
            }
            cli = recv(entering) => {
                let Some(cli) = cli else { return };
                // Exercise 8.12: tell the newcomer who is here (itself included), then add it.
                let mut names: Vec<&str> = clients.iter().map(|c| c.name.as_str()).collect();
                names.push(&cli.name);
                let here = format!("Here now: {}", names.join(", "));
                let _ = cli.ch.send(here).await;
                clients.push(cli); // Go: clients[cli] = true
            }
            cli = recv(leaving) => {
                let Some(cli) = cli else { return };
                if let Some(i) = clients.iter().position(|c| c.ch == cli) {
                    clients.remove(i).ch.close(); // Go: delete(clients, cli); close(cli)
                }
            }
        }
    }
}

async fn handle_conn(conn: TcpStream, hub: Hub) {
    let (ch, ch_rx) = gort::chan::bounded(0); // lines for this client, from anyone
    gort::go(client_writer(conn.clone(), ch_rx));

    let mut input = BufReader::new(conn).lines();
    // Exercise 8.14: the first line is the client's name (the book uses conn.RemoteAddr()).
    let Some(Ok(who)) = input.next().await else {
        return; // gone before saying who it is; dropping `ch` ends the writer
    };
    const RUNNING: &str = "the broadcaster runs while a Hub exists";
    let _ = ch.send(format!("You are {who}")).await;
    hub.messages
        .send(format!("{who} has arrived"))
        .await
        .expect(RUNNING);
    let cli = Client {
        name: who.clone(),
        ch: ch.clone(),
    };
    hub.entering.send(cli).await.expect(RUNNING);

    while let Some(Ok(text)) = input.next().await {
        hub.messages
            .send(format!("{who}: {text}"))
            .await
            .expect(RUNNING);
    }

    hub.leaving.send(ch.clone()).await.expect(RUNNING);
    hub.messages
        .send(format!("{who} has left"))
        .await
        .expect(RUNNING);
    // Go: conn.Close(). Dropping `input` here and the writer's handle when `ch` is drained
    // closes the connection.
}

async fn client_writer(mut conn: TcpStream, ch: Receiver<String>) {
    while let Some(msg) = ch.recv().await {
        // Errors are ignored, as in Go: the writer must keep draining `ch` until the broadcaster
        // closes it, or the broadcaster would block on this client.
        let _ = conn.write_all(format!("{msg}\n").as_bytes()).await;
    }
}

#[gort::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => scripted_session().await,
        [flag, addr] if flag == "--serve" => {
            let listener = match TcpListener::bind(addr.as_str()).await {
                Ok(listener) => listener,
                Err(err) => {
                    eprintln!("chat_server: cannot listen on {addr}: {err}"); // Go: log.Fatal(err)
                    std::process::exit(1);
                }
            };
            println!(
                "chat server listening on {}",
                listener.local_addr().unwrap()
            );
            serve(listener).await;
        }
        _ => {
            eprintln!("usage: chat_server [--serve ADDR]");
            std::process::exit(2);
        }
    }
}

/// How long a test client waits for a line before the session counts as hung.
const PATIENCE: Duration = Duration::from_secs(10);

/// Lines each client sends at once in the burst.
const BURST: usize = 20;

/// A scripted user: what it sends goes straight to the server; what the server sends it is read
/// by a task of its own and checked line by line, in order, as the script expects it.
struct TestClient {
    name: &'static str,
    conn: TcpStream,
    /// Every line from the server; `None` once the server has closed the connection.
    lines: Receiver<String>,
    transcript: Vec<String>,
}

impl TestClient {
    async fn connect(addr: SocketAddr, name: &'static str) -> TestClient {
        let conn = TcpStream::connect(addr).await.expect("connect");
        let (tx, lines) = gort::chan::unbounded();
        let mut input = BufReader::new(conn.clone()).lines();
        gort::go(async move {
            while let Some(Ok(line)) = input.next().await {
                tx.send(line).await.expect("the client outlives its reader");
            }
        });
        let mut client = TestClient {
            name,
            conn,
            lines,
            transcript: Vec::new(),
        };
        client.say(name).await; // exercise 8.14: the first line is our name
        client
    }

    async fn say(&mut self, text: &str) {
        let line = format!("{text}\n");
        self.conn.write_all(line.as_bytes()).await.expect("write");
    }

    async fn next_line(&self) -> Option<String> {
        let name = self.name;
        gort::time::timeout(PATIENCE, self.lines.recv())
            .await
            .unwrap_or_else(|_| panic!("{name}: nothing from the server for {PATIENCE:?}"))
    }

    /// The next line from the server must be `want`.
    async fn expect(&mut self, want: &str) {
        let got = self.next_line().await;
        assert_eq!(got.as_deref(), Some(want), "{}'s next line", self.name);
        self.transcript.push(want.to_string());
    }

    /// The next `n` lines, whatever they are.
    async fn burst(&mut self, n: usize) -> Vec<String> {
        let mut lines = Vec::new();
        for _ in 0..n {
            let line = self.next_line().await;
            lines.push(line.unwrap_or_else(|| panic!("{}: closed mid-burst", self.name)));
        }
        self.transcript.push(format!(
            "({n} lines of the burst, in the same order as everyone else got them)"
        ));
        lines
    }

    /// Like `nc` on ^D: close our sending half; the server must then close the connection
    /// without another line.
    async fn leave(&mut self) {
        self.conn.shutdown(Shutdown::Write).expect("shutdown");
        let after = self.next_line().await;
        assert_eq!(after, None, "{} got a line after leaving", self.name);
        self.transcript
            .push("(the server closed the connection)".to_string());
    }
}

async fn scripted_session() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().unwrap();
    println!("chat server listening on {addr}");
    let server = gort::spawn(serve(listener));

    let mut alice = TestClient::connect(addr, "alice").await;
    alice.expect("You are alice").await;
    alice.expect("Here now: alice").await;
    alice.say("hello?").await;
    alice.expect("alice: hello?").await; // everyone hears their own lines too

    let mut bob = TestClient::connect(addr, "bob").await;
    bob.expect("You are bob").await;
    alice.expect("bob has arrived").await;
    bob.expect("Here now: alice, bob").await; // bob is in the broadcaster's set from here on
    bob.say("hi alice").await;
    for c in [&mut alice, &mut bob] {
        c.expect("bob: hi alice").await;
    }

    let mut carol = TestClient::connect(addr, "carol").await;
    carol.expect("You are carol").await;
    for c in [&mut alice, &mut bob] {
        c.expect("carol has arrived").await;
    }
    carol.expect("Here now: alice, bob, carol").await;
    carol.say("hey all").await;
    for c in [&mut alice, &mut bob, &mut carol] {
        c.expect("carol: hey all").await;
    }

    // Everyone talks at once: the broadcaster puts the lines in one order, the same for all.
    let talkers = [&alice, &bob, &carol].map(|c| {
        let mut conn = c.conn.clone();
        gort::spawn(async move {
            for i in 1..=BURST {
                let line = format!("line {i}\n");
                conn.write_all(line.as_bytes()).await.expect("write");
            }
        })
    });
    for t in talkers {
        t.await.unwrap();
    }
    let mut orders = Vec::new();
    for c in [&mut alice, &mut bob, &mut carol] {
        orders.push(c.burst(3 * BURST).await);
    }
    assert!(
        orders.iter().all(|o| *o == orders[0]),
        "burst orders differ"
    );
    for who in ["alice", "bob", "carol"] {
        let from_who: Vec<&String> = orders[0]
            .iter()
            .filter(|l| l.starts_with(&format!("{who}: ")))
            .collect();
        let sent: Vec<String> = (1..=BURST).map(|i| format!("{who}: line {i}")).collect();
        assert_eq!(from_who, sent.iter().collect::<Vec<_>>(), "{who}'s burst");
    }

    carol.leave().await;
    for c in [&mut alice, &mut bob] {
        c.expect("carol has left").await;
    }
    bob.say("bye carol").await;
    for c in [&mut alice, &mut bob] {
        c.expect("bob: bye carol").await;
    }
    bob.leave().await;
    alice.expect("bob has left").await;
    alice.leave().await;

    server.abort(); // Go's server never stops; ours stops accepting, and the broadcaster follows
    assert!(server.await.unwrap_err().is_cancelled());

    for c in [&alice, &bob, &carol] {
        println!("\n{} received:", c.name);
        for line in &c.transcript {
            println!("  {line}");
        }
    }
    println!("\nevery client got every line sent while it was in, once and in order");
}
