// The REST API, typed. Every call carries the session token; problems come back as ApiError with their stable code.

export interface Me {
  id: string; organizationId: string; organizationName: string; displayName: string; handle: string;
  email: string; role: "owner" | "admin" | "member" | "guest" | "compliance"; isOperator: boolean; sessionId: string;
  /** The organization requires two-factor and this person has not set it up: the session reaches only the enrolment. */
  twoFactorEnrolmentRequired?: boolean;
}
export interface TwoFactorStatus { enabled: boolean; pending: boolean; recoveryCodesLeft: number; requiredByOrganization: boolean; }
export interface TwoFactorEnrolment { secret: string; otpAuthUri: string; digits: number; period: number; algorithm: string; }
/** A custom status, shown beside presence until `expiresAt` (null: until cleared). */
export interface Status { text: string | null; emoji: string | null; expiresAt: string | null; }
export interface User {
  id: string; displayName: string; handle: string; email: string; role: string; active: boolean; createdAt: string;
  title?: string | null; pronouns?: string | null; timeZone?: string | null;
  /** Null: no picture, the client draws initials. The URL carries a version, so a fetched picture is kept. */
  avatarUrl?: string | null; status?: Status | null;
}
/** A search hit: `snippet` is HTML from the server, the text escaped and each match in a `mark`. */
export interface SearchHit { message: Message; snippet: string; conversationKind: string; conversationName: string | null; }
export interface SearchResults { hits: SearchHit[]; page: number; hasMore: boolean; }
export interface SearchRequest { q: string; sort?: "relevance" | "recent"; page?: number; conversationId?: number; timeZone?: string; }
export interface ProfileChange { displayName?: string; title?: string; pronouns?: string; timeZone?: string; }
export interface DefaultChannel { id: number; name: string; }
export interface Conversation {
  id: number; kind: "public" | "private" | "direct" | "group"; name: string | null; topic: string | null; archived: boolean;
  createdAt: string; createdBy: string; lastMessageSeq: number; position: number; isMember: boolean; myRole: string | null;
  lastReadSeq: number; unread: number; unreadMentions: number; memberIds: string[] | null;
  /** The caller's notification level here; null when not a member (older servers leave it out). */
  notifications?: NotificationLevel | null;
}
export type NotificationLevel = "all" | "mentions" | "muted";
export interface Reaction { emoji: string; count: number; userIds: string[]; }
export interface FileInfo { id: string; conversationId: number; fileName: string; contentType: string; size: number; uploaderId: string; createdAt: string; }
export interface Message {
  id: number; conversationId: number; seq: number; position: number; senderId: string; content: string | null; html: string | null;
  threadRootId: number | null; replyCount: number; lastReplyAt: string | null; createdAt: string; editedAt: string | null;
  deletedAt: string | null; deleted: boolean; clientMessageId: string | null; mentions: string[]; mentionsChannel: boolean;
  reactions: Reaction[]; attachments: FileInfo[]; pinnedAt: string | null; pinnedBy: string | null;
}
export interface MessagePage { messages: Message[]; hasMore: boolean; lastMessageSeq: number; position: number; }
export interface Changes { messages: Message[]; position: number; complete: boolean; }
export interface Member { userId: string; displayName: string; handle: string; role: string; joinedAt: string; }
/** An organization whose single sign-on provider takes an email's domain. */
export interface SsoOption { organizationId: string; providerName: string; passwordSignInAllowed: boolean; }
/** The organization's OpenID Connect provider as admins edit it; the client secret never comes back. */
export interface SsoSettings {
  displayName: string; issuer: string; clientId: string; hasClientSecret: boolean; scopes: string[];
  nameClaim: string; emailClaim: string; emailVerifiedClaim: string; roleClaim: string;
  adminRoleValues: string[]; guestRoleValues: string[]; justInTime: "match-verified-email" | "create-accounts";
  allowedDomains: string[]; redirectUri: string; updatedAt: string;
}
export type SsoSettingsChange = Omit<SsoSettings, "hasClientSecret" | "redirectUri" | "updatedAt"> & { clientSecret?: string };
export interface Session { id: string; deviceName: string; createdAt: string; lastSeenAt: string; current: boolean; }
export interface DirectorySettings {
  serverUrl: string; bindDn: string; bindPasswordSet: boolean; baseDn: string; userFilter: string; idAttribute: string;
  emailAttribute: string; nameAttribute: string; titleAttribute: string | null; groupBaseDn: string | null; groupFilter: string | null;
  groupNameAttribute: string; groupMemberAttribute: string; intervalMinutes: number | null; nextRunAt: string | null; updatedAt: string;
}
export type DirectorySettingsChange = Omit<DirectorySettings, "bindPasswordSet" | "nextRunAt" | "updatedAt"> & { bindPassword?: string };
export interface DirectoryPerson { userId: string; email: string; displayName: string; }
export interface DirectorySyncReport {
  counts: {
    entriesRead: number; groupsRead: number; created: number; linked: number; updated: number; unchanged: number; deactivated: number;
    reactivated: number; skipped: number; membershipsAdded: number; membershipsRemoved: number;
  };
  truncated: boolean; created: DirectoryPerson[]; linked: DirectoryPerson[]; updated: { userId: string; email: string; fields: string[] }[];
  deactivated: DirectoryPerson[]; reactivated: DirectoryPerson[]; skipped: { entry: string; email: string | null; reason: string; detail: string }[];
}
export interface DirectorySyncRun {
  id: string; state: "queued" | "running" | "done" | "failed"; phase: "reading" | "applying" | null; entriesRead: number; scheduled: boolean;
  requestedAt: string; startedAt: string | null; completedAt: string | null; report: DirectorySyncReport | null; error: string | null;
}
export interface ScimToken { id: string; name: string; createdBy: string; createdAt: string; revokedAt: string | null; }
export interface CreatedScimToken { scimToken: ScimToken; token: string; tenantUrl: string; }
export interface Invite { id: string; email: string; role: string; expiresAt: string; token: string; link: string; }

export interface RetentionPolicy {
  scope: "organization" | "kind" | "conversation"; kind: string | null; conversationId: number | null;
  minimumDays: number | null; maximumDays: number | null; updatedBy: string; updatedAt: string;
}
export interface DryRun { at: string; total: number; conversations: { conversationId: number; policy: string; count: number }[]; }
export interface LegalHold {
  id: string; name: string; custodianIds: string[]; conversationIds: number[]; from: string | null; to: string | null; words: string[];
  status: "active" | "release-pending" | "released"; createdBy: string; createdAt: string;
  releaseRequestedBy: string | null; releaseRequestedAt: string | null; releasedBy: string | null; releasedAt: string | null;
}
export interface NewLegalHold { name: string; custodianIds: string[]; conversationIds: number[]; from: string | null; to: string | null; words: string[]; }
export interface ComplianceConversation { id: number; kind: Conversation["kind"]; name: string | null; archived: boolean; createdAt: string; memberIds: string[]; }
export interface Checkpoint { size: number; root: string; keyId: string; createdAt: string; publishedTo: { witness: string; at: string; hasToken: boolean }[]; }
export interface IntegrityReport {
  intact: boolean; conversationsChecked: number; entriesChecked: number; auditEventsChecked: number; logSize: number; filesChecked: number;
  firstBroken: { chain: string; conversationId: number | null; index: number; problem: string } | null;
}

export interface DiscoveryCriteria {
  senderIds: string[]; conversationIds: number[]; from: string | null; to: string | null; words: string[]; hasFile: boolean | null;
}
export interface DiscoveryPerson { id: string; name: string; email: string; }
export interface DiscoveredMessage {
  id: number; conversationId: number; conversationName: string | null; conversationKind: string; seq: number;
  sender: DiscoveryPerson; sentAt: string; threadRootId: number | null;
  versions: { entry: number; kind: string; at: string; text: string | null; erased: boolean }[];
  deletedAt: string | null; deletedBy: string | null; files: { id: string; name: string; sha256: string; size: number }[];
  membersAtTime: DiscoveryPerson[];
}
export interface DiscoveryExport {
  id: string; format: string; state: "queued" | "running" | "ready" | "failed" | "expired"; itemsDone: number; itemsTotal: number | null;
  holdId: string | null; createdAt: string; completedAt: string | null; expiresAt: string; size: number | null; error: string | null;
}

export class ApiError extends Error {
  /** `problem` is the whole problem document, with any extensions (such as `organizations`). */
  constructor(public status: number, public code: string, message: string, public retryable: boolean,
    public problem: Record<string, unknown> = {}) { super(message); }
}

/** A sign-in or an accepted invite: the session's token and who is signed in. */
export interface SignedIn { token: string; sessionId: string; me: Me; }
export interface OrganizationChoice { id: string; name: string; }

let token: string | null = null;
let onUnauthorized: (code: string) => void = () => {};
let onEnrolmentRequired: () => void = () => {};
/** Called when the organization's policy keeps this session to the two-factor enrolment. */
export function whenEnrolmentRequired(handler: () => void) { onEnrolmentRequired = handler; }

export function setToken(value: string | null) { token = value; }
/** Called when the server no longer accepts the session's token, with the problem's code (e.g. `session-expired`). */
export function whenUnauthorized(handler: (code: string) => void) { onUnauthorized = handler; }

export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  const sentToken = token;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { "Content-Type": "application/json" } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw new ApiError(0, "offline", "offline", true);
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let json: any;
  try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
  if (!response.ok) {
    // Only a request that carried the current token says that this session has ended.
    if (response.status === 401 && sentToken && sentToken === token) onUnauthorized(json?.code ?? "unauthenticated");
    if (response.status === 403 && json?.code === "two-factor-enrolment-required" && sentToken === token) onEnrolmentRequired();
    throw new ApiError(response.status, json?.code ?? "error", json?.title ?? response.statusText,
      response.status >= 500 || response.status === 429 || response.status === 408, json ?? {});
  }
  return json as T;
}

export const api = {
  login: (email: string, password: string, deviceName: string, organizationId?: string) =>
    call<SignedIn>("POST", "/auth/login", { email, password, deviceName, ...(organizationId ? { organizationId } : {}) }),
  /** Newer servers sign the person in (a token, like a login); older ones answer the new user only. */
  acceptInvite: (token: string, displayName: string, password: string, deviceName: string) =>
    call<Partial<SignedIn> & Partial<User>>("POST", "/invites/accept", { token, displayName, password, deviceName }),
  /** The second step of a sign-in with two-factor on: the challenge of the first step and a code. */
  secondFactor: (challenge: string, code: string) => call<SignedIn>("POST", "/auth/login/second-factor", { challenge, code }),
  ssoOptions: (email: string) => call<{ options: SsoOption[] }>("POST", "/auth/oidc/discover", { email }),
  /** The ticket a single sign-on ended with (in the address's fragment), for a session: the answer is a sign-in's. */
  completeSso: (ticket: string, deviceName: string) => call<SignedIn>("POST", "/auth/oidc/complete", { ticket, deviceName }),
  ssoSettings: () => call<SsoSettings>("GET", "/organization/sso"),
  saveSsoSettings: (change: SsoSettingsChange) => call<SsoSettings>("PUT", "/organization/sso", change),
  removeSsoSettings: () => call<void>("DELETE", "/organization/sso"),
  passwordSignIn: () => call<{ allowed: boolean }>("GET", "/organization/password-sign-in"),
  setPasswordSignIn: (allowed: boolean) => call<{ allowed: boolean }>("PUT", "/organization/password-sign-in", { allowed }),
  twoFactor: () => call<TwoFactorStatus>("GET", "/auth/two-factor"),
  startTwoFactor: () => call<TwoFactorEnrolment>("POST", "/auth/two-factor/enrolment"),
  confirmTwoFactor: (code: string) => call<{ recoveryCodes: string[] }>("POST", "/auth/two-factor/enrolment/confirm", { code }),
  regenerateRecoveryCodes: (code: string) => call<{ recoveryCodes: string[] }>("POST", "/auth/two-factor/recovery-codes", { code }),
  disableTwoFactor: (code: string) => call<void>("POST", "/auth/two-factor/disable", { code }),
  me: () => call<Me>("GET", "/users/me"),
  users: () => call<User[]>("GET", "/users"),
  presence: () => call<string[]>("GET", "/users/presence"),
  invite: (email: string, role: string) => call<Invite>("POST", "/users/invites", { email, role }),
  changeRole: (userId: string, role: string) => call<User>("PUT", `/users/${userId}/role`, { role }),
  deactivate: (userId: string) => call<User>("POST", `/users/${userId}/deactivate`),
  profile: () => call<User>("GET", "/me/profile"),
  editProfile: (change: ProfileChange) => call<User>("PATCH", "/me/profile", change),
  setStatus: (text: string, emoji: string, expiresAt: string | null) =>
    call<User>("PUT", "/me/status", { text: text || null, emoji: emoji || null, expiresAt }),
  clearStatus: () => call<void>("DELETE", "/me/status"),
  removeAvatar: () => call<void>("DELETE", "/me/avatar"),
  defaultChannels: () => call<DefaultChannel[]>("GET", "/organization/default-channels"),
  setDefaultChannels: (conversationIds: number[]) => call<DefaultChannel[]>("PUT", "/organization/default-channels", { conversationIds }),
  sessions: () => call<Session[]>("GET", "/auth/sessions"),
  revokeSession: (id: string) => call<void>("DELETE", `/auth/sessions/${id}`),
  pushKey: () => call<{ publicKey: string }>("GET", "/notifications/push-key"),
  subscribePush: (subscription: PushSubscriptionJSON) => call<{ endpoint: string }>("POST", "/notifications/push-subscriptions", subscription),
  unsubscribePush: () => call<void>("DELETE", "/notifications/push-subscriptions/current"),
  setNotificationLevel: (conversationId: number, level: NotificationLevel) =>
    call<{ conversationId: number; level: NotificationLevel }>("PUT", `/conversations/${conversationId}/notifications`, { level }),
  directorySettings: () => call<DirectorySettings>("GET", "/organization/directory"),
  saveDirectorySettings: (change: DirectorySettingsChange) => call<DirectorySettings>("PUT", "/organization/directory", change),
  removeDirectorySettings: () => call<void>("DELETE", "/organization/directory"),
  startDirectorySync: () => call<DirectorySyncRun>("POST", "/organization/directory/sync"),
  directorySyncRun: (id: string) => call<DirectorySyncRun>("GET", `/organization/directory/runs/${id}`),
  directorySyncRuns: () => call<DirectorySyncRun[]>("GET", "/organization/directory/runs"),
  scimTokens: () => call<ScimToken[]>("GET", "/organization/scim-tokens"),
  createScimToken: (name: string) => call<CreatedScimToken>("POST", "/organization/scim-tokens", { name }),
  revokeScimToken: (id: string) => call<ScimToken>("DELETE", `/organization/scim-tokens/${id}`),
  conversations: () => call<Conversation[]>("GET", "/conversations"),
  browse: () => call<Conversation[]>("GET", "/conversations/browse"),
  conversation: (id: number) => call<Conversation>("GET", `/conversations/${id}`),
  createChannel: (name: string, visibility: string, topic: string, memberIds: string[]) =>
    call<Conversation>("POST", "/conversations", { name, visibility, topic: topic || null, memberIds }),
  openDirect: (userIds: string[]) => call<Conversation>("POST", "/conversations/direct", { userIds }),
  updateConversation: (id: number, change: { name?: string; topic?: string }) => call<Conversation>("PATCH", `/conversations/${id}`, change),
  join: (id: number) => call<Conversation>("POST", `/conversations/${id}/join`),
  leave: (id: number) => call<void>("POST", `/conversations/${id}/leave`),
  members: (id: number) => call<Member[]>("GET", `/conversations/${id}/members`),
  addMember: (id: number, userId: string) => call<Member>("POST", `/conversations/${id}/members`, { userId }),
  removeMember: (id: number, userId: string) => call<void>("DELETE", `/conversations/${id}/members/${userId}`),
  markRead: (id: number, seq: number) => call<{ lastReadSeq: number }>("POST", `/conversations/${id}/read`, { seq }),
  messages: (id: number, before?: number) => call<MessagePage>("GET", `/conversations/${id}/messages?limit=50${before ? `&before=${before}` : ""}`),
  replies: (id: number, rootId: number) => call<MessagePage>("GET", `/conversations/${id}/messages/${rootId}/replies`),
  changes: (id: number, after: number) => call<Changes>("GET", `/conversations/${id}/changes?after=${after}`),
  send: (id: number, content: string, clientMessageId: string, threadRootId: number | null, attachmentIds: string[]) =>
    call<Message>("POST", `/conversations/${id}/messages`, { content, clientMessageId, threadRootId, attachmentIds }),
  edit: (id: number, messageId: number, content: string) => call<Message>("PATCH", `/conversations/${id}/messages/${messageId}`, { content }),
  search: (request: SearchRequest) => call<SearchResults>("POST", "/search/messages", request),
  remove: (id: number, messageId: number) => call<Message>("DELETE", `/conversations/${id}/messages/${messageId}`),
  retentionPolicies: () => call<RetentionPolicy[]>("GET", "/compliance/retention/policies"),
  /** scope: "organization", "kinds/{kind}" or "conversations/{id}". */
  setRetentionPolicy: (scope: string, minimumDays: number | null, maximumDays: number | null) =>
    call<RetentionPolicy>("PUT", `/compliance/retention/policies/${scope}`, { minimumDays, maximumDays }),
  removeRetentionPolicy: (scope: string) => call<void>("DELETE", `/compliance/retention/policies/${scope}`),
  retentionDryRun: () => call<DryRun>("GET", "/compliance/retention/dry-run?limit=1"),
  legalHolds: () => call<LegalHold[]>("GET", "/compliance/holds"),
  createLegalHold: (hold: NewLegalHold) => call<LegalHold>("POST", "/compliance/holds", hold),
  releaseLegalHold: (id: string) => call<LegalHold>("POST", `/compliance/holds/${id}/release`),
  approveRelease: (id: string) => call<LegalHold>("POST", `/compliance/holds/${id}/approve-release`),
  complianceSettings: () => call<{ holdReleaseNeedsApproval: boolean }>("GET", "/compliance/settings"),
  setComplianceSettings: (holdReleaseNeedsApproval: boolean) =>
    call<{ holdReleaseNeedsApproval: boolean }>("PUT", "/compliance/settings", { holdReleaseNeedsApproval }),
  complianceConversations: () => call<ComplianceConversation[]>("GET", "/compliance/conversations"),
  discoverySearch: (criteria: DiscoveryCriteria, after: number | null) =>
    call<{ messages: DiscoveredMessage[]; next: number | null }>("POST", "/compliance/search", { ...criteria, after, pageSize: 50 }),
  createExport: (source: { criteria: DiscoveryCriteria } | { holdId: string }, format: string) =>
    call<DiscoveryExport>("POST", "/compliance/exports", { ...source, format }),
  exports: () => call<DiscoveryExport[]>("GET", "/compliance/exports"),
  latestCheckpoint: () => call<Checkpoint>("GET", "/admin/record/checkpoints/latest"),
  integrity: () => call<IntegrityReport>("GET", "/admin/integrity"),
  pins: (id: number) => call<Message[]>("GET", `/conversations/${id}/pins`),
  pin: (id: number, messageId: number, pin: boolean) => call<Message>(pin ? "PUT" : "DELETE", `/conversations/${id}/messages/${messageId}/pin`),
  react: (id: number, messageId: number, emoji: string, add: boolean) =>
    call<Message>(add ? "PUT" : "DELETE", `/conversations/${id}/messages/${messageId}/reactions/${encodeURIComponent(emoji)}`),
};

/** Uploads one file with progress (fetch cannot report upload progress; XMLHttpRequest can). */
export function upload(conversationId: number, file: File, progress: (fraction: number) => void): Promise<FileInfo> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/v1/conversations/${conversationId}/files`);
    if (token) xhr.setRequestHeader("Authorization", `Bearer ${token}`);
    xhr.upload.onprogress = e => { if (e.lengthComputable) progress(e.loaded / e.total); };
    xhr.onload = () => {
      let json: any = {};
      try { json = xhr.responseText ? JSON.parse(xhr.responseText) : {}; } catch { /* not a problem document */ }
      if (xhr.status === 401 && token) onUnauthorized(json.code ?? "unauthenticated");
      if (xhr.status === 201) resolve(json as FileInfo);
      else reject(new ApiError(xhr.status, json.code ?? "error", json.title ?? xhr.statusText, xhr.status >= 500, json));
    };
    xhr.onerror = () => reject(new ApiError(0, "offline", "offline", true));
    const form = new FormData();
    form.append("file", file, file.name);
    xhr.send(form);
  });
}

/** Downloads an archive the API serves (an export) with the session token, and hands it to the browser to save. */
export async function saveDownload(path: string, fileName: string): Promise<void> {
  const response = await fetch(`/api/v1${path}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  if (!response.ok) {
    const json = await response.json().catch(() => ({}));
    throw new ApiError(response.status, json.code ?? "download-failed", json.title ?? response.statusText, response.status >= 500, json);
  }
  const url = URL.createObjectURL(await response.blob());
  const link = Object.assign(document.createElement("a"), { href: url, download: fileName });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Fetches a file with the session token; the caller turns it into an object URL. */
export async function fetchFile(fileId: string): Promise<Blob> {
  const response = await fetch(`/api/v1/files/${fileId}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  if (!response.ok) throw new ApiError(response.status, "download-failed", response.statusText, false);
  return await response.blob();
}

/** Sends a picture as the avatar, with the square to keep in the picture's own pixels. */
export async function uploadAvatar(picture: Blob, crop: { x: number; y: number; size: number }): Promise<User> {
  const query = `?x=${crop.x}&y=${crop.y}&size=${crop.size}`;
  let response: Response;
  try {
    response = await fetch(`/api/v1/me/avatar${query}`, {
      method: "PUT", body: picture,
      headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), "Content-Type": picture.type || "application/octet-stream" },
    });
  } catch {
    throw new ApiError(0, "offline", "offline", true);
  }
  const json = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, json.code ?? "error", json.title ?? response.statusText, response.status >= 500, json);
  return json as User;
}

/** An avatar with the session token (an <img> cannot send it): the caller makes an object URL of it. */
export async function fetchAvatar(url: string): Promise<Blob> {
  const response = await fetch(url, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  if (!response.ok) throw new ApiError(response.status, "download-failed", response.statusText, false);
  return await response.blob();
}
