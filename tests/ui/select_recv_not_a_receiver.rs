fn main() {
    let (tx, _rx) = gort::chan::bounded::<u32>(0);
    let _ = async move {
        gort::select! {
            v = recv(tx) => drop(v),
        }
    };
}
