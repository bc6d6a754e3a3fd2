//! Tauri commands: a few lines each over `satchel-core`, grouped by area.

pub mod auth;
pub mod chunk;
pub mod files;
pub mod images;
pub mod link;
pub mod results;
pub mod sources;
pub mod startup;
pub mod upload;
pub mod window;

use uuid::Uuid;

use crate::error::{Error, Result};

/// Makes, from `list.rs`, the TypeScript bindings' builder and the invoke
/// handler, so a command is declared in one place.
macro_rules! commands {
    (typed { $($area:ident :: $typed:ident),* $(,)? } raw { $($raw_area:ident :: $raw:ident),* $(,)? }) => {
        /// The typed commands, for their TypeScript bindings and handler.
        pub fn typed() -> tauri_specta::Builder<tauri::Wry> {
            tauri_specta::Builder::<tauri::Wry>::new()
                .commands(tauri_specta::collect_commands![$($area::$typed),*])
        }

        /// Whether `command` takes a raw body.
        fn is_raw(command: &str) -> bool {
            [$(stringify!($raw)),*].contains(&command)
        }

        /// Calls the command `invoke` names, typed or raw.
        pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
            let typed = typed();
            let raw: fn(tauri::ipc::Invoke) -> bool =
                tauri::generate_handler![$($raw_area::$raw),*];
            move |invoke| {
                if is_raw(invoke.message.command()) {
                    raw(invoke)
                } else {
                    typed.invoke_handler()(invoke)
                }
            }
        }
    };
}

/// A whole number from the page (a size, an id): a plain `number` in the
/// bindings (`u64` would be a `bigint`, which JSON does not carry).
#[derive(Debug, Clone, Copy, serde::Deserialize, specta::Type)]
#[serde(transparent)]
pub struct Whole(#[specta(type = specta_typescript::Number)] pub u64);

/// A file id from the page.
pub fn parse_id(uuid: &str) -> Result<Uuid> {
    Uuid::parse_str(uuid).map_err(|_| Error::InvalidId(uuid.to_owned()))
}

include!("list.rs");

#[cfg(test)]
mod tests {
    const HEADER: &str = "// Made from src-tauri/commands/list.rs by \
        `SATCHEL_WRITE_BINDINGS=1 cargo test -p satchel --lib bindings`: do not edit.\n\
        // ipc.ts is the only file that uses it.\n";

    /// The TypeScript bindings of every typed command and the types they use.
    fn bindings() -> std::result::Result<String, String> {
        let language = specta_typescript::Typescript::default().header(HEADER);
        let dir =
            std::env::temp_dir().join(format!("satchel-bindings-{}.ts", uuid::Uuid::new_v4()));
        super::typed()
            .export(language, &dir)
            .map_err(|e| e.to_string())?;
        let text = std::fs::read_to_string(&dir).map_err(|e| e.to_string())?;
        let _ = std::fs::remove_file(&dir);
        Ok(text)
    }

    /// The bindings in the UI are the ones the commands make: run with
    /// `SATCHEL_WRITE_BINDINGS=1` to write them after changing a command
    /// or a type that crosses the IPC.
    #[test]
    fn bindings_are_current() {
        let made = bindings().expect("the bindings are made");
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/ui/src/lib/bindings.ts");
        if std::env::var_os("SATCHEL_WRITE_BINDINGS").is_some() {
            std::fs::write(path, &made).expect("bindings.ts is written");
        }
        let checked_in = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            checked_in == made,
            "ui/src/lib/bindings.ts is stale: run `SATCHEL_WRITE_BINDINGS=1 cargo test -p satchel --lib bindings`"
        );
    }
}
