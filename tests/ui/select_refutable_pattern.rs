// The arm's operation has happened when its pattern is matched, so it must be irrefutable.
fn main() {
    let (_tx, rx) = gort::chan::bounded::<u32>(0);
    let _ = async move {
        gort::select! {
            Some(v) = recv(rx) => drop(v),
        }
    };
}
