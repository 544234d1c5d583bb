fn main() {
    let (_tx, rx) = gort::chan::bounded::<u32>(0);
    let _ = async move {
        gort::select! {
            r = send(rx, 1) => drop(r),
        }
    };
}
