//! Amazon S3 and S3-compatible storage: `HeadBucket` with the access key pair (step 3),
//! then `ListObjectsV2` of one key (step 4).

use aws_sdk_s3::config::retry::RetryConfig;
use aws_sdk_s3::config::timeout::TimeoutConfig;
use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use latchkey_core::ErrorCode;
use latchkey_core::{ConnectionKind, FieldKind::*, FieldSpec, TypeSpec};

use crate::{CONNECT_TIMEOUT, ConnectorError, IO_TIMEOUT, Reporter, Settings, net};

pub fn spec() -> TypeSpec {
    TypeSpec {
        kind: ConnectionKind::S3,
        label: "Amazon S3".into(),
        description: "An S3 bucket on AWS or on S3-compatible storage (MinIO, Ceph, R2, Wasabi…)."
            .into(),
        group: "Storage".into(),
        fields: vec![
            FieldSpec::new("bucket", "Bucket", Text, true).placeholder("reports-prod"),
            FieldSpec::new("region", "Region", Text, true)
                .default("us-east-1")
                .placeholder("eu-west-1"),
            FieldSpec::new("access_key_id", "Access key ID", Credential, true).help(
                "Usually from the same secret as the secret access key (JSON key access_key_id).",
            ),
            FieldSpec::new("secret_access_key", "Secret access key", Credential, true),
            FieldSpec::new("endpoint", "Endpoint URL", Url, false)
                .placeholder("https://minio.example.com:9000")
                .help("Only for S3-compatible storage; empty = AWS."),
            FieldSpec::new("addressing", "Addressing", Choice, true)
                .default("virtual")
                .advanced()
                .choices(&[
                    ("virtual", "virtual-hosted (bucket.host) — AWS"),
                    (
                        "path",
                        "path-style (host/bucket) — most S3-compatible servers",
                    ),
                ]),
        ],
    }
}

pub(crate) async fn run(s: &Settings, report: &mut (dyn Reporter + Send)) {
    let bucket = s.text("bucket");
    let endpoint = s.text("endpoint");
    let at = if endpoint.is_empty() {
        format!("s3.{}.amazonaws.com", s.text("region"))
    } else {
        endpoint.to_owned()
    };
    let mut config = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(s.text("region").to_owned()))
        .credentials_provider(Credentials::new(
            s.secret("access_key_id"),
            s.secret("secret_access_key"),
            None,
            None,
            "latchkey",
        ))
        .force_path_style(s.text("addressing") == "path")
        .retry_config(RetryConfig::standard().with_max_attempts(2))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .operation_timeout(IO_TIMEOUT)
                .build(),
        );
    if !endpoint.is_empty() {
        config = config.endpoint_url(endpoint);
    }
    let client = aws_sdk_s3::Client::from_conf(config.build());

    let head = client.head_bucket().bucket(bucket).send().await;
    match head {
        Ok(out) => {
            let region = out
                .bucket_region()
                .map(|r| format!(" (region {r})"))
                .unwrap_or_default();
            report.step(Ok(format!(
                "the access key is valid; bucket {bucket} exists{region}"
            )));
        }
        Err(e) => {
            let status = e.raw_response().map(|r| r.status().as_u16());
            if status == Some(403) {
                // HEAD answers carry no error code: ask again with a GET to learn why.
                let why = client
                    .list_objects_v2()
                    .bucket(bucket)
                    .max_keys(1)
                    .send()
                    .await;
                let err = match why {
                    Err(e) => explain(&e, s, &at),
                    Ok(_) => denied(bucket, "s3:ListBucket", "HeadBucket → 403"),
                };
                return report.step(Err(err));
            }
            return report.step(Err(explain(&e, s, &at)));
        }
    }
    let list = client
        .list_objects_v2()
        .bucket(bucket)
        .max_keys(1)
        .send()
        .await;
    report.step(match list {
        Ok(out) => Ok(match out.key_count() {
            Some(0) | None => "ListObjectsV2 allowed; the bucket is empty".to_owned(),
            Some(_) => "ListObjectsV2 allowed; the bucket holds objects".to_owned(),
        }),
        Err(e) => Err(explain(&e, s, &at)),
    });
}

fn denied(bucket: &str, action: &str, cause: &str) -> ConnectorError {
    ConnectorError::new(
        ErrorCode::AccessDenied,
        format!("{cause}: the key may not use bucket {bucket}"),
        format!(
            "allow {action} on arn:aws:s3:::{bucket} in the key owner's IAM policy (or the bucket policy)"
        ),
    )
}

fn explain<E: ProvideErrorMetadata + std::error::Error + 'static>(
    e: &SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
    s: &Settings,
    at: &str,
) -> ConnectorError {
    let bucket = s.text("bucket");
    match e {
        SdkError::ServiceError(service) => {
            let err = service.err();
            let status = service.raw().status().as_u16();
            let code = err.code().unwrap_or("");
            let message = err.message().unwrap_or("");
            match (status, code) {
                (_, "InvalidAccessKeyId") => ConnectorError::new(
                    ErrorCode::BadCredentials,
                    format!("InvalidAccessKeyId: {message}"),
                    "check the access key ID (or the secret it comes from): the key does not exist or was deleted",
                ),
                (_, "SignatureDoesNotMatch") => ConnectorError::new(
                    ErrorCode::BadCredentials,
                    "SignatureDoesNotMatch: the secret access key does not belong to the access key ID",
                    "check the secret access key (or the secret it comes from)",
                ),
                (_, "ExpiredToken" | "InvalidToken") => ConnectorError::new(
                    ErrorCode::BadCredentials,
                    format!("{code}: {message}"),
                    "use a long-term access key, or refresh the temporary one",
                ),
                (_, "AccessDenied") | (403, _) => {
                    denied(bucket, "s3:ListBucket", format!("{code} {message}").trim())
                }
                (_, "NoSuchBucket") | (404, _) => ConnectorError::new(
                    ErrorCode::NotFound,
                    format!("the bucket {bucket} does not exist"),
                    "check the bucket name (and the endpoint for S3-compatible storage)",
                ),
                (301, _) | (_, "PermanentRedirect" | "AuthorizationHeaderMalformed") => {
                    ConnectorError::new(
                        ErrorCode::InvalidSetting,
                        format!("the bucket {bucket} is in another region ({code})"),
                        "set the region to the bucket's region",
                    )
                }
                _ => ConnectorError::new(
                    ErrorCode::Failed,
                    format!("{status} {code} {message}").trim().to_owned(),
                    "see the storage service's documentation for this error",
                ),
            }
        }
        SdkError::TimeoutError(_) => net::timeout(at, IO_TIMEOUT),
        other => {
            let text = net::chain(other);
            let host = at
                .trim_start_matches("https://")
                .trim_start_matches("http://")
                .split([':', '/'])
                .next()
                .unwrap_or(at);
            net::classify(&text, host, at, "the storage service")
        }
    }
}
