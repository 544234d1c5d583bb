fn main() {
    let (_tx, rx) = gort::chan::bounded::<u32>(0);
    let _ = async move {
        gort::select! {
            v = recv(rx) => drop(v),
            biased;
            default => {}
        }
    };
}
