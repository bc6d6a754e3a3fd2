//! Unit tests of the S3 destination: ETags known in advance, part sizes, reading a config.

use super::multipart::{multipart_etag, part_size};
use super::*;

#[tokio::test]
async fn etags_are_known_before_the_object_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f");
    std::fs::write(&path, b"abc").unwrap();
    assert_eq!(
        md5_hex(&path).await.unwrap(),
        "900150983cd24fb0d6963f7d28e17f72"
    );
    let parts = [
        "\"900150983cd24fb0d6963f7d28e17f72\"".to_owned(), // md5("abc")
        "4ED9407630EB1000C0F6B63842DEFA7D".to_owned(),     // md5("def")
    ];
    assert_eq!(
        multipart_etag(&parts).as_deref(),
        Some("4c8e93283780e078db9e0c6b9b3f8043-2")
    );
    assert_eq!(multipart_etag(&["\"kms-opaque\"".to_owned()]), None);
}

#[test]
fn five_tebibytes_fit_in_ten_thousand_parts() {
    let five_tib = 5 * 1024 * 1024 * MIB;
    let size = part_size(five_tib);
    assert!(five_tib.div_ceil(size) <= MAX_PARTS);
    assert_eq!(size % MIB, 0);
    assert_eq!(part_size(1), MIN_PART);
    assert_eq!(part_size(100 * MIB), MIN_PART);
    // Just over what 5 MiB parts can carry.
    assert_eq!(part_size(MIN_PART * MAX_PARTS + 1), 6 * MIB);
}

#[test]
fn specs_and_variables_make_a_config() {
    // Only this test touches the variables in this binary.
    std::env::set_var("AWS_ACCESS_KEY_ID", "k");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "s");
    std::env::set_var("AWS_REGION", "eu-west-3");
    std::env::remove_var("AWS_ENDPOINT_URL");
    let c = S3Config::from_env("s3://b/some/prefix/", None).unwrap();
    assert_eq!(
        (c.bucket.as_str(), c.prefix.as_str()),
        ("b", "some/prefix/")
    );
    assert_eq!(c.endpoint.as_str(), "https://s3.eu-west-3.amazonaws.com/");
    let c = S3Config::from_env("s3://b", Some("http://127.0.0.1:9000")).unwrap();
    assert_eq!(
        (c.prefix.as_str(), c.endpoint.as_str()),
        ("", "http://127.0.0.1:9000/")
    );
    assert!(S3Config::from_env("s3:///x", None).is_err());
    // An endpoint in the destination is part of it.
    let c = S3Config::from_env("s3://b/p/?endpoint=http://127.0.0.1:9000", None).unwrap();
    assert_eq!(
        (c.prefix.as_str(), c.endpoint.as_str()),
        ("p/", "http://127.0.0.1:9000/")
    );
    let c = S3Config::from_env(
        "s3://b/p/?endpoint=http://127.0.0.1:9000",
        Some("http://127.0.0.1:9000/"),
    )
    .unwrap();
    assert_eq!(c.endpoint.as_str(), "http://127.0.0.1:9000/");
    let err = S3Config::from_env("s3://b/p/?endpoint=http://127.0.0.1:9000", Some("http://x"))
        .unwrap_err();
    assert!(err.to_string().contains("cannot change it"), "{err}");
    assert!(S3Config::from_env("s3://b/?region=x", None).is_err());
    std::env::remove_var("AWS_SECRET_ACCESS_KEY");
    let err = S3Config::from_env("s3://b/", None).unwrap_err();
    assert!(err.to_string().contains("AWS_SECRET_ACCESS_KEY"), "{err}");
}
