//! Writes the layout-1 store fixture `tests/fixtures/store-v1.redb`. It is run on the
//! layout-1 code by `scripts/store-v1-fixture.sh` (which sets `MF_STORE_V1_FIXTURE`); on any
//! other code it writes nothing.

#[path = "store_v1/content.rs"]
mod content;

#[tokio::test(flavor = "multi_thread")]
#[ignore = "run by scripts/store-v1-fixture.sh on the layout-1 code"]
async fn write_the_layout_1_fixture() {
    let Some(path) = std::env::var_os("MF_STORE_V1_FIXTURE") else {
        return;
    };
    let path = std::path::PathBuf::from(path);
    let _ = std::fs::remove_file(&path);
    let store = messagefoundry::store::Store::open(&path).expect("the store opens");
    content::write(&store).await;
    tokio::task::spawn_blocking(move || store.shutdown())
        .await
        .expect("closed");
    messagefoundry::store::compact(&path).expect("compacted");
}
