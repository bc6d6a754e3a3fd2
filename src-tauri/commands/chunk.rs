//! Raw-file chunks as they cross the IPC: the bytes are the request body
//! (not JSON), and where they go comes in headers.

use tauri::ipc::{InvokeBody, Request};
use uuid::Uuid;

use crate::error::{Error, Result};

/// A chunk of a raw file as it crosses the IPC: which spool file, where in
/// it, and the bytes (sent raw, not as JSON).
pub struct Chunk {
    pub spool: Uuid,
    pub offset: u64,
    pub bytes: Vec<u8>,
}

impl Chunk {
    pub fn of(request: &Request<'_>) -> Result<Chunk> {
        let spool = Uuid::parse_str(&header(request, "satchel-spool")?)
            .map_err(|_| Error::BadChunk("bad satchel-spool header".into()))?;
        let offset: u64 = header(request, "satchel-offset")?
            .parse()
            .map_err(|_| Error::BadChunk("bad satchel-offset header".into()))?;
        let InvokeBody::Raw(bytes) = request.body() else {
            return Err(Error::BadChunk(
                "the chunk must be sent as raw bytes".into(),
            ));
        };
        Ok(Chunk {
            spool,
            offset,
            bytes: bytes.clone(),
        })
    }
}

pub fn header(request: &Request<'_>, name: &str) -> Result<String> {
    request
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .ok_or_else(|| Error::BadChunk(format!("missing {name} header")))
}
