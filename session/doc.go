// Package session keeps Kakao Login sessions for Gin apps, with
// github.com/alexedwards/scs/v2 as the session engine, over any store
// backend (a store.SessionStore).
//
//	st := memory.New() // or store.Open(ctx, url, …)
//	sm, err := session.New(st, session.Config{SealKeys: [][]byte{key}})
//	if err != nil { … }
//	r := gin.Default()             // gin.Recovery first, then sessions
//	r.Use(sm.Middleware())
//	r.GET("/me", func(c *gin.Context) {
//		if l, ok := sm.Current(c); ok {
//			c.JSON(200, gin.H{"nickname": l.Nickname})
//		}
//	})
//
// # The engine
//
// Manager embeds the scs.SessionManager that loads, commits, renews and
// destroys sessions. The Middleware loads each request's session with
// scs.Load and puts scs's context on c.Request; before the first byte of
// the response it has scs commit the session when it changed, and writes
// the cookie itself (scs's LoadAndSave cannot do that under Gin). The
// cookie is HttpOnly, SameSite=Lax, Secure and named __Host-… by default.
// Sessions end after 30 idle minutes or 12 hours (Config). The project
// plugs in through scs's extension points only: a CtxStore adapter that
// hashes tokens before they reach the store, and a Codec for a compact
// record, decoded lazily.
//
// # Your own values
//
// A host keeps its own values in the same session with scs's API on the
// request's context: a cart, a flash message after a redirect.
//
//	sm.Put(c.Request.Context(), "flash", "Saved")     // before the redirect
//	msg := sm.PopString(c.Request.Context(), "flash") // on the next page
//
// They are saved with the session before the response's first byte
// (unless the handler answers with a 5xx status, which saves no change)
// and encoded with encoding/gob (register concrete types kept behind
// interfaces with gob.Register). LogIn keeps them; LogOut ends them with
// the session. Use Manager.RenewToken and LogOut rather than scs's
// RenewToken and Destroy, and the Middleware rather than LoadAndSave.
//
// # The login
//
// The login state (Current), a pending signup or proof (HoldPending,
// Pending: a state of the session, never a login), a CSRF secret and the
// idle clock are typed sections of the session record. LogIn, HoldPending
// and RenewToken renew the session token on every privilege change.
// RevokeKakaoUser and RevokeHostUser end every session of one user through
// the store's per-user index; an ended session stays ended on every
// instance, since a request that loaded it earlier cannot save it again.
//
// # Why tokens and flows are kept apart
//
// scs commits the whole record, last writer wins. That is right for the
// values above: a host value or an idle-clock touch from the last request
// is what should stay, and the login, pending and CSRF sections change
// only with a token renewal, which revokes the old token, so a request
// still holding it gets store.ErrRevoked and cannot write them back.
//
// It is wrong for two things, so they are not in scs's values but in side
// records of their own, keyed by a random session ID that the record
// keeps for the session's whole life, and updated with a compare-and-swap
// that re-applies a change which lost a race:
//
//   - The Kakao token set (sealed with AES-256-GCM, bound to the Kakao
//     user). Kakao rotates the refresh token on a refresh and rejects the
//     old one. Were it in the record, a request that loaded the session
//     before another request refreshed, and commits after it (say it set
//     a flash message), would put the old, now dead, refresh token back,
//     and the next refresh would fail and log the user out.
//   - Unfinished OAuth flows. Two tabs starting a login at once each add a
//     flow; with last-writer-wins one tab's flow is lost and its callback
//     fails. TakeFlow must also hand a flow out exactly once.
//
// The side records of a session that belongs to a Kakao user (logged in or
// pending) are indexed under that user like the session, so
// RevokeKakaoUser and RevokeHostUser end them too; LogOut deletes them.
// An anonymous session's flows expire after FlowLifetime.
// A renewal checks, after saving under the new token, that its tokens
// side record was not revoked meanwhile, so a revocation racing a login
// or consent change is never lost.
package session
