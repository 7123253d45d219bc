//! Region and ARN checks, done before any call so that a typo gets a precise error.

use crate::ProviderError;

/// The AWS regions Latchkey accepts (commercial, GovCloud, China).
pub const REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-south-1",
    "eu-south-2",
    "eu-north-1",
    "il-central-1",
    "me-south-1",
    "me-central-1",
    "mx-central-1",
    "sa-east-1",
    "us-gov-east-1",
    "us-gov-west-1",
    "cn-north-1",
    "cn-northwest-1",
];

/// Refuses an empty or unknown region, suggesting the closest known one.
pub fn check_region(region: &str) -> Result<(), ProviderError> {
    if region.trim().is_empty() {
        return Err(ProviderError::InvalidSetting {
            field: "region",
            message: "The AWS region is required, for example us-east-1 or eu-west-1.".into(),
        });
    }
    if REGIONS.contains(&region) {
        return Ok(());
    }
    let closest = REGIONS
        .iter()
        .min_by_key(|r| distance(r, region))
        .copied()
        .unwrap_or("us-east-1");
    Err(ProviderError::InvalidSetting {
        field: "region",
        message: format!("\"{region}\" is not an AWS region: did you mean {closest}?"),
    })
}

fn distance(a: &str, b: &str) -> usize {
    // Levenshtein distance, small inputs only.
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The parts of a Secrets Manager secret ARN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretArn {
    pub partition: String,
    pub region: String,
    pub account: String,
    /// The secret's name with AWS's six-character suffix (`-AbCdEf`), as in the ARN.
    pub name: String,
}

fn malformed(arn: &str, what: &str) -> ProviderError {
    ProviderError::InvalidSetting {
        field: "secret",
        message: format!(
            "\"{arn}\" is not a Secrets Manager secret ARN: {what}. The form is arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME"
        ),
    }
}

/// Parses `arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME`.
pub fn parse_arn(arn: &str) -> Result<SecretArn, ProviderError> {
    let parts: Vec<&str> = arn.splitn(7, ':').collect();
    if parts.len() < 7 || parts[0] != "arn" {
        return Err(malformed(arn, "it has fewer than 7 parts separated by ':'"));
    }
    if !matches!(parts[1], "aws" | "aws-cn" | "aws-us-gov") {
        return Err(malformed(
            arn,
            "the partition must be aws, aws-cn or aws-us-gov",
        ));
    }
    if parts[2] != "secretsmanager" {
        return Err(malformed(
            arn,
            &format!("the service is \"{}\", not secretsmanager", parts[2]),
        ));
    }
    check_region(parts[3])
        .map_err(|_| malformed(arn, &format!("\"{}\" is not a region", parts[3])))?;
    if parts[4].len() != 12 || !parts[4].bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed(arn, "the account ID must be 12 digits"));
    }
    if parts[5] != "secret" {
        return Err(malformed(arn, "the resource type must be \"secret\""));
    }
    if parts[6].is_empty() {
        return Err(malformed(arn, "the secret name is missing"));
    }
    Ok(SecretArn {
        partition: parts[1].into(),
        region: parts[3].into(),
        account: parts[4].into(),
        name: parts[6].into(),
    })
}

/// Checks `arn:PARTITION:iam::ACCOUNT:role/NAME`.
pub fn check_role_arn(arn: &str) -> Result<(), ProviderError> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let ok = parts.len() == 6
        && parts[0] == "arn"
        && matches!(parts[1], "aws" | "aws-cn" | "aws-us-gov")
        && parts[2] == "iam"
        && parts[3].is_empty()
        && parts[4].len() == 12
        && parts[4].bytes().all(|b| b.is_ascii_digit())
        && parts[5]
            .strip_prefix("role/")
            .is_some_and(|n| !n.is_empty());
    if ok {
        Ok(())
    } else {
        Err(ProviderError::InvalidSetting {
            field: "role_arn",
            message: format!(
                "\"{arn}\" is not an IAM role ARN: the form is arn:aws:iam::123456789012:role/NAME"
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions() {
        assert!(check_region("eu-west-1").is_ok());
        let e = check_region("eu-wset-1").unwrap_err().to_string();
        assert!(e.contains("did you mean eu-west-1"), "{e}");
        assert!(
            check_region("")
                .unwrap_err()
                .to_string()
                .contains("required")
        );
    }

    #[test]
    fn arns() {
        let a = parse_arn("arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf")
            .unwrap();
        assert_eq!(
            (a.region.as_str(), a.account.as_str(), a.name.as_str()),
            ("us-east-1", "123456789012", "prod/db-AbCdEf")
        );
        for (bad, why) in [
            (
                "arn:aws:secretsmanager:us-east-1:123456789012",
                "fewer than 7",
            ),
            ("arn:aws:s3:us-east-1:123456789012:secret:x", "service"),
            (
                "arn:aws:secretsmanager:mars-1:123456789012:secret:x",
                "region",
            ),
            (
                "arn:aws:secretsmanager:us-east-1:1234:secret:x",
                "12 digits",
            ),
            (
                "arn:aws:secretsmanager:us-east-1:123456789012:key:x",
                "resource type",
            ),
            (
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:",
                "name is missing",
            ),
        ] {
            let e = parse_arn(bad).unwrap_err().to_string();
            assert!(e.contains(why), "{bad}: {e}");
        }
        assert!(check_role_arn("arn:aws:iam::123456789012:role/reader").is_ok());
        assert!(check_role_arn("arn:aws:iam::123456789012:user/bob").is_err());
    }
}
