import { Card, safeNext, useRouter } from "@kservices/shared";
import { AdminSignInForm } from "../signInForm";

export function AdminLoginPage() {
  const { query, navigate } = useRouter();
  return (
    <Card title="Administrator sign in" narrow>
      <AdminSignInForm autoFocus onSignedIn={() => navigate(safeNext(query.get("next"), "/admin/"), { replace: true })} />
    </Card>
  );
}
