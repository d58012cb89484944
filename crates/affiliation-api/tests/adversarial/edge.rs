//! The HTTP edge: timeouts, connection caps, overload.

use crate::common::Server;

#[test]
fn health_answers() {
    let server = Server::start();
    let reply = server.request("GET", "/health").send().expect("health");
    assert_eq!(reply.status(), 200);
}
