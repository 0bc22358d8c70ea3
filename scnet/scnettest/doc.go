// Package scnettest is an in-process simulator of SCNet's container-instance
// OpenAPI: tokens (AK/SK and legacy), the region center, the account (user)
// endpoint, the instance list and instance detail, the actions (restart,
// stop, delete) and the access URL, with seeded realistic data, a lifecycle
// that moves instances through their statuses, fault knobs and a request
// log. It serves one region by default and several with
// WithRegions, each on its own listener with its own instances and fault
// knobs.
//
// It serves tests, benchmarks and the bot's demo mode. Its wire format follows
// SCNet's own page for the list endpoint (field names, null handling, the
// msg/total/code/data envelope, Chinese error messages) and keeps its own
// record type, so a decoding mistake in the client cannot hide behind a
// matching mistake here.
//
// Choices where SCNet's documentation is silent, so clients can rely on them:
//
//   - An expired, invalidated, unknown or missing token answers HTTP 200 with
//     code "10008" (权限不足), the way one public client sees expiry.
//   - The platform token (clusterId "0") answers code "10009" (没有权限访问接口)
//     on container APIs.
//   - An unknown instance id on detail answers HTTP 200 with code "10004"
//     (参数无效) and data null (code "0" and data null with
//     WithUnknownIDAsNull).
//   - A list request without sort is sorted desc (newest first); without limit
//     it answers "10003" (参数不全); limit <= 0 or > MaxLimit, a negative start
//     or an unknown status, taskType or sort answers "10004" (参数无效).
//   - total counts every match, not only the page.
//   - The list leaves mountInfoList and containerPortInfoList null, as the
//     page's example does; detail fills them.
//   - The center's aiUrls url has no "/ai" suffix by default (see
//     WithCenterAISuffix); a disabled entry precedes the enabled one.
//   - Token requests: missing headers answer "10003"; a wrong user, access
//     key, password or orgId, a wrong signature or an AK/SK timestamp more
//     than five minutes off answer "10004" with a message saying which.
//   - tokens/next renews a token that is valid or expired for less than 24
//     hours and invalidates the old one; otherwise it answers "10008".
//   - Fault knobs apply to every endpoint, token endpoints included, in the
//     order requests arrive; every request is logged, faulted ones too.
//   - With WithRegions, a region's AI API answers a token of another region
//     with code "10008", as it does an unknown token; the login endpoints list
//     the platform token first, then every region in the order given, a
//     suspended one with token null.
//   - Restart (POST task/actions/restart?instanceServiceId=) of an ended
//     instance (Failed, Terminated, Completed) answers data = the id and
//     makes it Deploying at once and Running after WithRestartDelay on the
//     simulator's clock; Step leaves it alone meanwhile. A live one (Waiting,
//     Deploying, Running) or an unknown id answers "10004" (参数无效).
//   - Stop (POST task/actions/stop?ids=, undocumented) makes every named
//     instance Terminated, or, when one is unknown or not live, none and
//     answers "10004"; data is null.
//   - Delete (DELETE task?ids=) removes every named instance, or none: an
//     unknown id answers "716020" (查询数据库错误), a live instance
//     "716866" (删除任务失败). SCNet lists both codes but not when it sends
//     them. data is null.
//   - url answers a Running instance's access URL carrying
//     ?token=AccessToken(id), as a Jupyter link carries its token; an
//     instance that is not Running answers "10004", an unknown id answers
//     like detail.
//   - The actions and url need ids, answering "10003" (参数不全) without;
//     FailNextAction and HoldNextAction apply only to calls with a valid
//     token that the general fault knobs did not answer first.
//   - Unknown paths answer HTTP 404 and wrong methods HTTP 405, with a
//     Spring-style JSON body, as SCNet's Java stack does.
package scnettest
