import { Icon } from "../../components/icons";
import { EmptyState, PageHeader } from "../../components/States";

const KINDS = [
  "AWS Secrets Manager",
  "Azure Key Vault",
  "HashiCorp Vault / OpenBao",
  "Google Secret Manager",
  "CyberArk Conjur",
];

/** Secrets managers are not connectable yet; this page says so plainly. */
export function ProvidersPage() {
  return (
    <section className="page" aria-labelledby="page-title">
      <PageHeader
        title="Secrets managers"
        subtitle="External stores that connection credentials can come from."
      />
      <EmptyState icon={<Icon.vault />} title="Not available yet">
        Connecting a secrets manager is not available in this version. Connections can already hold secret
        references in the text syntax, and literal passwords are kept in the OS keychain. Planned:
      </EmptyState>
      <ul className="planned-list">
        {KINDS.map((k) => (
          <li key={k}>
            <span className="badge">Planned</span> {k}
          </li>
        ))}
      </ul>
    </section>
  );
}
