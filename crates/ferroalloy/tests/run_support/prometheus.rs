//! A Debian Prometheus 2.42 peer on a free loopback port, receiving
//! remote-write, and the free-port helper the peers' configurations need.

use super::{PATIENCE, request};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A loopback port nobody listens on at the moment.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// `prometheus --web.enable-remote-write-receiver`, killed on drop.
pub struct Prometheus {
    child: Child,
    pub addr: SocketAddr,
}

impl Prometheus {
    /// Starts it with its configuration and TSDB under `data` and waits until ready.
    pub fn start(data: &Path) -> Prometheus {
        Prometheus::start_on(data, free_port())
    }

    /// Starts it on `port`, so that a restart over the same `data` is the same peer.
    pub fn start_on(data: &Path, port: u16) -> Prometheus {
        let config = data.join("prometheus.yml");
        std::fs::write(&config, "global:\n  scrape_interval: 1m\n").expect("write prometheus.yml");
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg(format!(
                "--storage.tsdb.path={}",
                data.join("tsdb").display()
            ))
            .arg("--web.enable-remote-write-receiver")
            .arg("--storage.remote.flush-deadline=5s")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Debian's prometheus must be installed (apt-get install prometheus)");
        let prometheus = Prometheus {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        };
        let deadline = Instant::now() + PATIENCE;
        while !(TcpStream::connect(prometheus.addr).is_ok()
            && request(prometheus.addr, "GET", "/-/ready", &[]).status == 200)
        {
            assert!(Instant::now() < deadline, "Prometheus did not become ready");
            std::thread::sleep(Duration::from_millis(50));
        }
        prometheus
    }

    /// Stops it with SIGTERM, so that it closes its TSDB cleanly, and waits for the exit.
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
