import { afterEach, beforeEach, type Mock } from "vitest";
import { stubFetch } from "../../../frontend-shared/src/test/fetchStub";
import { renderInApp } from "../../../frontend-shared/src/test/renderAt";
import { tokens } from "./api";
import { endSession } from "./session";

// A component test file of the console's pages: renderAt mounts under /admin/, every test starts signed in as an
// admin with a fresh fetch mock (returned) and ends with the session.
export const renderAt = renderInApp("/admin/");

export function adminPageTests(): Mock {
  const fetchMock = stubFetch();
  beforeEach(() => {
    tokens.setTokens({ accessToken: "admin-token", expiresIn: 900 });
  });
  afterEach(() => {
    endSession();
  });
  return fetchMock;
}
