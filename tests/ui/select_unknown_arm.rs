// A Go-style arm (`v <- ch`) is not a select! arm: the error lists the forms that are.
fn main() {
    let (_tx, rx) = gort::chan::bounded::<u32>(0);
    let _ = async move {
        gort::select! {
            v <- rx => drop(v),
        }
    };
}
