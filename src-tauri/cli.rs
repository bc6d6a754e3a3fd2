//! The command line: what programs and the OS hand to Satchel.

use std::path::PathBuf;

use clap::Parser;

#[derive(Debug, Parser)]
#[command(
    name = "satchel",
    version,
    about = "A desktop file picker and uploader",
    long_about = "Satchel opens a picker window: choose files from this machine, review them, \
                  and upload them to a destination (by default the folder \
                  $XDG_DATA_HOME/satchel/uploads)."
)]
pub struct Cli {
    /// Files or folders to preload into the picker (folders are added recursively).
    #[arg(value_name = "FILES")]
    pub files: Vec<PathBuf>,

    /// Where uploads go: a folder path or file:// URL.
    #[arg(long = "to", value_name = "DEST")]
    pub to: Option<String>,

    /// When the window closes, print the result on stdout as JSON shaped like
    /// Filestack's onUploadDone payload: {"filesUploaded":[…],"filesFailed":[…]}.
    #[arg(long)]
    pub json: bool,
}
