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

    /// A custom source to offer: an ES module whose default export is a
    /// Filestack custom source object. Repeatable.
    #[arg(long = "source", value_name = "FILE.js")]
    pub sources: Vec<PathBuf>,

    /// An origin (scheme://host[:port]) the --source files may connect to
    /// from their own code. Repeatable; without it they may connect nowhere.
    #[arg(long = "source-connect", value_name = "ORIGIN")]
    pub source_connect: Vec<String>,

    /// Sources in the sidebar, in order: local_file_system and custom
    /// sources by their name, comma-separated (Filestack's fromSources).
    #[arg(long = "from-sources", value_name = "LIST", value_delimiter = ',')]
    pub from_sources: Option<Vec<String>>,

    /// The most files the picker takes (Filestack's maxFiles). Satchel's
    /// default is 1000, not Filestack's 1: desktop pickers choose many files.
    #[arg(long = "max-files", value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_files: Option<u32>,

    /// Start uploading files as soon as they are added (uploadInBackground).
    #[arg(long = "upload-in-background")]
    pub upload_in_background: bool,

    /// When the window closes, print the result on stdout as JSON shaped like
    /// Filestack's onUploadDone payload: {"filesUploaded":[…],"filesFailed":[…]}.
    #[arg(long)]
    pub json: bool,
}
