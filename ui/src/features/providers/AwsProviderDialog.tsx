import { useState } from "react";
import { Field, TextField } from "../../components/Field";
import type {
  AwsAuthMethod,
  CachePolicy,
  ProviderInput_Deserialize,
  ProviderView_Serialize,
} from "../../ipc/api";
import { ExternalIdField } from "./ExternalId";
import { AliasField, ProviderForm, secretInput, useProviderForm } from "./ProviderForm";

const METHODS: { value: AwsAuthMethod; label: string; help: string }[] = [
  {
    value: "default_chain",
    label: "Default chain",
    help: "Environment variables, ~/.aws files, SSO or an instance role.",
  },
  { value: "profile", label: "Named profile", help: "A profile from ~/.aws/config (SSO profiles work too)." },
  {
    value: "access_key",
    label: "Access key",
    help: "An IAM user's key pair; the secret key is kept in the OS keychain.",
  },
  { value: "assume_role", label: "Assume role", help: "Latchkey assumes a role with the external ID below." },
];

interface Props {
  provider?: ProviderView_Serialize;
  /** The project a new manager is for (project mode), null for the workspace; an existing one keeps its own. */
  projectId: string | null;
  /** The name of the manager's project, when it has one. */
  projectName?: string;
  /** The external ID its AssumeRole sends: its project's in project mode, the workspace's otherwise. */
  externalId: string;
  onSaved: (p: ProviderView_Serialize) => void;
  onClose: () => void;
}

/** Add or edit an AWS Secrets Manager: region, how to sign in, and a Test. */
export function AwsProviderDialog({ provider, projectId, projectName, externalId, onSaved, onClose }: Props) {
  const aws = provider?.aws;
  const scope = provider ? (provider.project_id ?? null) : projectId;
  const [alias, setAlias] = useState(provider?.alias ?? "aws");
  const [region, setRegion] = useState(aws?.region ?? "us-east-1");
  const [auth, setAuth] = useState<AwsAuthMethod>(aws?.auth ?? "default_chain");
  const [profile, setProfile] = useState(aws?.profile ?? "");
  const [accessKeyId, setAccessKeyId] = useState(aws?.access_key_id ?? "");
  const [secretKey, setSecretKey] = useState("");
  const [roleArn, setRoleArn] = useState(aws?.role_arn ?? "");
  const [endpoint, setEndpoint] = useState(aws?.endpoint_url ?? "");
  const stored = Boolean(aws?.secret_access_key_stored);
  const usesKey = auth === "access_key" || (auth === "assume_role" && accessKeyId.trim() !== "");

  const input = (cache: CachePolicy | null): ProviderInput_Deserialize => ({
    alias,
    project_id: scope,
    aws: {
      region,
      endpoint_url: form.advanced ? endpoint : "",
      auth,
      profile,
      access_key_id: accessKeyId,
      secret_access_key: usesKey ? secretInput(secretKey, stored) : null,
      role_arn: roleArn,
    },
    vault: null,
    azure: null,
    cache,
  });

  /** The fields on screen for the chosen method; an error for any other goes above the buttons. */
  const visible = [
    "alias",
    "region",
    ...(auth === "profile" ? ["profile"] : []),
    ...(auth === "assume_role" ? ["role_arn"] : []),
    ...(auth === "access_key" || auth === "assume_role" ? ["access_key_id", "secret_access_key"] : []),
  ];
  const form = useProviderForm({
    provider,
    input,
    advanced: ["endpoint_url"],
    visible,
    advancedOpen: Boolean(aws?.endpoint_url),
    onSaved,
  });
  const { errors } = form;

  return (
    <ProviderForm
      form={form}
      addTitle="Add AWS Secrets Manager"
      alias={provider?.alias}
      description="Latchkey reads secrets with this identity. It needs secretsmanager:ListSecrets, DescribeSecret and GetSecretValue."
      label="AWS Secrets Manager"
      projectId={scope}
      projectName={projectName}
      onClose={onClose}
      advanced={
        <TextField
          label="Endpoint URL"
          name="endpoint_url"
          mono
          value={endpoint}
          onChange={setEndpoint}
          error={errors.endpoint_url}
          help="Only for an AWS-compatible endpoint (a VPC endpoint, or moto for testing)."
          placeholder="https://secretsmanager.us-east-1.amazonaws.com"
        />
      }
    >
      <div className="form-grid">
        <AliasField value={alias} onChange={setAlias} error={errors.alias} />
        <TextField
          label="Region"
          name="region"
          required
          value={region}
          onChange={setRegion}
          error={errors.region}
          placeholder="us-east-1"
        />
      </div>
      <Field label="Sign in with" help={METHODS.find((m) => m.value === auth)?.help}>
        {(p) => (
          <select {...p} name="auth" value={auth} onChange={(e) => setAuth(e.target.value as AwsAuthMethod)}>
            {METHODS.map((m) => (
              <option key={m.value} value={m.value}>
                {m.label}
              </option>
            ))}
          </select>
        )}
      </Field>
      {auth === "profile" && (
        <TextField
          label="Profile"
          name="profile"
          required
          value={profile}
          onChange={setProfile}
          error={errors.profile}
        />
      )}
      {auth === "assume_role" && (
        <>
          <TextField
            label="Role ARN"
            name="role_arn"
            mono
            required
            value={roleArn}
            onChange={setRoleArn}
            error={errors.role_arn}
            placeholder="arn:aws:iam::123456789012:role/latchkey-reader"
          />
          <ExternalIdField
            externalId={externalId}
            projectName={scope === null ? undefined : (projectName ?? "this project")}
          />
        </>
      )}
      {(auth === "access_key" || auth === "assume_role") && (
        <div className="form-grid">
          <TextField
            label={auth === "assume_role" ? "Source access key ID (optional)" : "Access key ID"}
            name="access_key_id"
            mono
            required={auth === "access_key"}
            value={accessKeyId}
            onChange={setAccessKeyId}
            error={errors.access_key_id}
            autoComplete="off"
          />
          <TextField
            label="Secret access key"
            name="secret_access_key"
            type="password"
            required={usesKey && !stored}
            value={secretKey}
            onChange={setSecretKey}
            error={errors.secret_access_key}
            help={
              stored
                ? "Stored in the OS keychain; type a new one to replace it."
                : "Kept in the OS keychain only."
            }
            placeholder={stored ? "•••••••• (stored)" : ""}
            autoComplete="new-password"
            disabled={!usesKey}
          />
        </div>
      )}
    </ProviderForm>
  );
}
