//! The command line: what programs and the OS hand to Satchel.
//!
//! Options are named after Filestack's picker options. Where Satchel's
//! default differs from Filestack's, the help says so and why.
//! This file holds only the clap definition (no app code), so that the
//! build can include it to generate the man page.
//!
//! `satchel [FILES…]` opens the picker; `satchel upload` and `satchel resume`
//! run the same pipeline without a window. A file literally named `upload`,
//! `resume`, `config` or `sources` is given as `./upload`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "satchel",
    version,
    about = "A desktop file picker and uploader",
    long_about = "Satchel opens a picker window: choose files from this machine or from custom \
                  sources, review them, and upload them to a destination (by default the folder \
                  $XDG_DATA_HOME/satchel/uploads).\n\n\
                  Settings come from built-in defaults, the system policy \
                  /etc/satchel/policy.toml, the user's $XDG_CONFIG_HOME/satchel/config.toml and \
                  the command line, each overriding the one before, except keys the policy locks.\n\n\
                  `satchel upload` and `satchel resume` upload without a window.",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Files or folders to preload into the picker (folders are added
    /// recursively), or one satchel:// URL with picker options.
    #[arg(value_name = "FILES")]
    pub files: Vec<PathBuf>,

    #[command(flatten)]
    pub picker: PickerArgs,

    #[command(flatten)]
    pub reach: Reach,

    /// When the window closes, print the result on stdout as JSON shaped like
    /// Filestack's onUploadDone payload: {"filesUploaded":[…],"filesFailed":[…]}.
    #[arg(long)]
    pub json: bool,

    /// Start uploading at once and close the window when done.
    #[arg(long = "upload-now")]
    pub upload_now: bool,
}

/// Picker options shared by the window and headless uploads.
#[derive(Debug, Args, Default, Clone)]
pub struct PickerArgs {
    /// Where uploads go: a folder path or file:// URL, tus+http(s)://host/files/,
    /// post+http(s)://host/upload, or s3://bucket/prefix/ (credentials and
    /// region from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION).
    #[arg(long = "to", value_name = "DEST")]
    pub to: Option<String>,

    /// The most files the picker takes (maxFiles). Satchel's default is
    /// 1000, not Filestack's 1: on a desktop people choose many files.
    #[arg(long = "max-files", value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_files: Option<u32>,

    /// The fewest files an upload needs (minFiles; default 0, Filestack's 1:
    /// an empty upload is simply not offered).
    #[arg(long = "min-files", value_name = "N")]
    pub min_files: Option<u32>,

    /// The largest file accepted (maxSize), in bytes or with units: 10MB, 1.5GiB.
    #[arg(long = "max-size", value_name = "BYTES")]
    pub max_size: Option<String>,

    /// Accepted types (accept), comma-separated: MIME types (image/png),
    /// wildcards (image/*) and extensions (.pdf). Default: anything.
    #[arg(long = "accept", value_name = "TYPES", value_delimiter = ',')]
    pub accept: Option<Vec<String>>,

    /// Sources in the sidebar, in order: local_file_system and custom
    /// sources by their name, comma-separated (fromSources).
    #[arg(long = "from-sources", value_name = "LIST", value_delimiter = ',')]
    pub from_sources: Option<Vec<String>>,

    /// Start uploading files as soon as they are added (uploadInBackground;
    /// default false, as in Filestack). `--upload-in-background=false` turns
    /// it off where the config turned it on.
    #[arg(long = "upload-in-background", value_name = "BOOL", num_args = 0..=1,
          require_equals = true, default_missing_value = "true")]
    pub upload_in_background: Option<bool>,

    /// A custom source to offer: an ES module whose default export is a
    /// Filestack custom source object. Repeatable.
    #[arg(long = "source", value_name = "FILE.js")]
    pub sources: Vec<PathBuf>,

    /// An origin (scheme://host[:port]) the --source files may connect to
    /// from their own code. Repeatable; without it they may connect nowhere.
    #[arg(long = "source-connect", value_name = "ORIGIN")]
    pub source_connect: Vec<String>,

    /// An origin (scheme://host[:port]) the --source files may load scripts
    /// and style sheets from (a provider's SDK). Repeatable; without it they
    /// may load none.
    #[arg(long = "source-script", value_name = "ORIGIN")]
    pub source_script: Vec<String>,

    /// The interface language (e.g. en, de); default: the system's.
    #[arg(long = "lang", value_name = "LANG")]
    pub lang: Option<String>,

    /// Shrink pictures to fit in W×H pixels (imageMax); 1600x or x1200
    /// leave a side free. Never enlarges.
    #[arg(long = "image-max", value_name = "WxH", help_heading = "Pictures")]
    pub image_max: Option<String>,

    /// Enlarge pictures to at least W×H pixels (imageMin).
    #[arg(long = "image-min", value_name = "WxH", help_heading = "Pictures")]
    pub image_min: Option<String>,

    /// Make pictures exactly W×H pixels (imageDim): with one side given the
    /// aspect ratio holds; with both, the middle is kept, never stretched.
    #[arg(long = "image-dim", value_name = "WxH", help_heading = "Pictures")]
    pub image_dim: Option<String>,

    /// Remove EXIF, XMP and IPTC metadata from pictures, GPS included, after
    /// turning them upright; the colour profile stays (cleanupImageExif).
    #[arg(long = "strip-exif", help_heading = "Pictures")]
    pub strip_exif: bool,

    /// JPEG quality of processed pictures, from 0 to 1 (imageQuality;
    /// default 0.92).
    #[arg(long = "image-quality", value_name = "Q", help_heading = "Pictures")]
    pub image_quality: Option<f32>,

    /// Crop pictures to this aspect ratio, e.g. 1:1 or 16:9: the window's
    /// crop tool opens at it; `satchel upload` crops every picture, centred.
    #[arg(long = "crop-ratio", value_name = "W:H", help_heading = "Pictures")]
    pub crop_ratio: Option<String>,

    /// No picture goes uncropped: the window starts each from a centred
    /// crop (transformations.crop.force). Needs --crop-ratio.
    #[arg(
        long = "crop-force",
        requires = "crop_ratio",
        help_heading = "Pictures"
    )]
    pub crop_force: bool,

    /// Mask every picture to a circle, sent as a PNG with transparency (the
    /// window starts each picture's edit with it).
    #[arg(long = "circle", help_heading = "Pictures")]
    pub circle: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Upload files without a window: progress on stderr (when it is a
    /// terminal), the JSON result on stdout, exit status 0 only if every
    /// file landed. The queue is saved so `satchel resume` can finish it
    /// after a crash.
    Upload {
        /// Files or folders to upload (folders recursively).
        #[arg(value_name = "FILES", required = true)]
        files: Vec<PathBuf>,

        #[command(flatten)]
        picker: PickerArgs,

        #[command(flatten)]
        reach: Reach,

        #[command(flatten)]
        run: Run,
    },

    /// Finish the upload an interrupted `satchel upload` left behind, from
    /// what each server already has.
    Resume {
        #[command(flatten)]
        reach: Reach,

        #[command(flatten)]
        run: Run,

        /// Forget the interrupted upload instead of finishing it.
        #[arg(long)]
        discard: bool,
    },

    /// Inspect the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),

    /// Manage what custom sources keep.
    #[command(subcommand)]
    Sources(SourcesCommand),
}

#[derive(Debug, Subcommand)]
pub enum SourcesCommand {
    /// Remove everything a custom source kept in its localStorage
    /// ($XDG_STATE_HOME/satchel/sources/NAME).
    Forget {
        /// The source's name (its `name`, or the one made from its label).
        #[arg(value_name = "NAME")]
        name: String,
    },
    /// Sign a source out: remove the tokens its sign-in kept in the OS
    /// keyring (a running picker forgets them when it closes).
    Signout {
        /// The source's name (its `name`, or the one made from its label).
        #[arg(value_name = "NAME")]
        name: String,
    },
}

/// How to reach a destination besides its address.
#[derive(Debug, Args, Default, Clone)]
pub struct Reach {
    /// The form field files are sent in, for post+http(s):// (default: file).
    #[arg(long, value_name = "NAME")]
    pub post_field: Option<String>,

    /// An extra request header for tus and POST destinations, as 'Name: value'.
    /// Repeat for more.
    #[arg(long = "header", value_name = "'NAME: VALUE'")]
    pub headers: Vec<String>,

    /// The S3 endpoint, for S3-compatible servers (over AWS_ENDPOINT_URL).
    #[arg(long, value_name = "URL")]
    pub s3_endpoint: Option<String>,

    /// Seconds a connection may make no progress before it is dropped and
    /// tried again (default: 60).
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub stall_timeout: Option<u64>,
}

/// How a headless upload runs.
#[derive(Debug, Args)]
pub struct Run {
    /// Files sent at the same time, whatever their size [default: 4 at
    /// once, and four files under 1 MiB in the place of one]
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the effective configuration and where each value came from.
    Show {
        #[command(flatten)]
        picker: PickerArgs,
    },
}
