/// One regular file directly inside a folder.
pub struct Entry { pub name: String, pub size: u64, pub modified: Option<std::time::SystemTime> }
/// A folder messages are picked up from or written to: local, or remote over SFTP.
pub trait Folder: Send + Sync + 'static {
    /// Regular files directly inside the folder (no recursion), any order.
    fn list(&self) -> impl Future<Output = std::io::Result<Vec<Entry>>> + Send;
    /// The whole content of one file.
    fn read(&self, name: &str) -> impl Future<Output = std::io::Result<Vec<u8>>> + Send;
    /// Writes a new file: temporary name, flushed to stable storage, renamed to `name`; a reader never sees a partial `name`. `name` may be `sub/x` for a direct subfolder, created if missing.
    fn write_new(&self, name: &str, bytes: &[u8]) -> impl Future<Output = std::io::Result<()>> + Send;
    /// Moves `name` into the direct subfolder `subfolder` (created if missing), keeping its name (made unique if taken).
    fn move_to(&self, name: &str, subfolder: &str) -> impl Future<Output = std::io::Result<()>> + Send;
    /// Removes one file.
    fn remove(&self, name: &str) -> impl Future<Output = std::io::Result<()>> + Send;
}
