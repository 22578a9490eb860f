package kakaoapi

import (
	"net/url"
	"strings"

	"golang.org/x/oauth2"
)

// Prompt is a value of the authorize request's prompt parameter.
type Prompt string

// Prompt values Kakao documents.
const (
	PromptLogin         Prompt = "login"          // always show the login form (re-authentication)
	PromptNone          Prompt = "none"           // never show UI; error back if interaction is needed
	PromptCreate        Prompt = "create"         // show Kakao Account sign-up first
	PromptSelectAccount Prompt = "select_account" // Kakao Account easy login (account picker)
)

// AuthRequest holds the per-login parameters of an authorize URL.
// client_id, redirect_uri and response_type=code come from the Client.
type AuthRequest struct {
	// State is echoed back to the redirect URI; use a fresh random value
	// per login attempt, so that no one can forge or replay a callback.
	State string
	// Nonce is copied into the ID token's nonce claim.
	Nonce string
	// Verifier is the PKCE code verifier (oauth2.GenerateVerifier). When
	// set, code_challenge=S256(Verifier) and code_challenge_method=S256
	// are sent; plain is never used. Keep the verifier server-side and pass
	// it to Exchange.
	Verifier string
	// Scopes asks for (additional) consent; include "openid" to get a new
	// ID token. Sent comma-separated.
	Scopes []string
	// Prompts are sent comma-separated.
	Prompts []Prompt
	// LoginHint pre-fills the Kakao Account login form.
	LoginHint string
	// ServiceTerms are Kakao Sync service-term tags to show.
	ServiceTerms []string
	// ChannelPublicIDs are Kakao Talk Channel profile IDs whose "add
	// channel" checkbox is shown (first two only).
	ChannelPublicIDs []string
}

// AuthCodeURL returns the URL of Kakao's authorize page for r, to which the
// browser is redirected to log in or give consent.
func (c *Client) AuthCodeURL(r AuthRequest) string {
	v := url.Values{
		"client_id":     {c.clientID},
		"response_type": {"code"},
	}
	if c.redirectURL != "" {
		v.Set("redirect_uri", c.redirectURL)
	}
	setIf(v, "state", r.State)
	setIf(v, "nonce", r.Nonce)
	setIf(v, "login_hint", r.LoginHint)
	setIf(v, "scope", strings.Join(r.Scopes, ","))
	setIf(v, "service_terms", strings.Join(r.ServiceTerms, ","))
	setIf(v, "channel_public_id", strings.Join(r.ChannelPublicIDs, ","))
	if len(r.Prompts) > 0 {
		p := make([]string, len(r.Prompts))
		for i, x := range r.Prompts {
			p[i] = string(x)
		}
		v.Set("prompt", strings.Join(p, ","))
	}
	if r.Verifier != "" {
		v.Set("code_challenge", oauth2.S256ChallengeFromVerifier(r.Verifier))
		v.Set("code_challenge_method", "S256")
	}
	return c.authURL + "/oauth/authorize?" + v.Encode()
}

// AccountLogoutURL returns the URL that logs the browser out of its Kakao
// Account and then redirects to logoutRedirectURL (registered in the
// console as a logout redirect URI) with state. It does not revoke
// the service's tokens; call Logout for that.
func (c *Client) AccountLogoutURL(logoutRedirectURL, state string) string {
	v := url.Values{
		"client_id":           {c.clientID},
		"logout_redirect_uri": {logoutRedirectURL},
	}
	setIf(v, "state", state)
	return c.authURL + "/oauth/logout?" + v.Encode()
}

func setIf(v url.Values, key, value string) {
	if value != "" {
		v.Set(key, value)
	}
}

// AuthorizeErrorCode is the error parameter Kakao adds to the redirect URI
// when authorization fails.
type AuthorizeErrorCode string

// Authorize error codes. AuthorizeInvalid stands for an error
// parameter that is repeated or not a plain identifier.
const (
	AccessDenied        AuthorizeErrorCode = "access_denied"        // user cancelled, or under-14 block
	LoginRequired       AuthorizeErrorCode = "login_required"       // prompt=none without a Kakao session
	ConsentRequired     AuthorizeErrorCode = "consent_required"     // prompt=none, user not linked or consent needed
	InteractionRequired AuthorizeErrorCode = "interaction_required" // prompt=none, other interaction needed
	AuthorizeInvalid    AuthorizeErrorCode = "invalid"
)

// AuthorizeError is the error reported in the query of a redirect back from
// the authorize page. Its content comes from the browser, so it may have been
// forged by anyone: use it only to choose a message.
type AuthorizeError struct {
	// Code is the error parameter; any code not in the list above is
	// kept as received if it is a plain identifier.
	Code AuthorizeErrorCode
	// Description is error_description, untrusted and at most 256 bytes of
	// valid UTF-8. Branch on Code, never on Description, and never show it
	// unescaped: anyone can put a script in the callback URL.
	Description string
}

// Error describes the error without the description.
func (e *AuthorizeError) Error() string {
	return "kakaoapi: authorize: " + string(e.Code)
}

// ParseAuthorizeError returns the authorize error carried by the query of a
// redirect back from Kakao, or nil when q has no error parameter.
func ParseAuthorizeError(q url.Values) *AuthorizeError {
	errs, ok := q["error"]
	if !ok {
		return nil
	}
	e := &AuthorizeError{Code: AuthorizeInvalid}
	if len(errs) == 1 && safeToken(errs[0]) != "" {
		e.Code = AuthorizeErrorCode(errs[0])
	}
	if d := q["error_description"]; len(d) == 1 {
		e.Description = clipBytes(strings.ToValidUTF8(d[0], "\uFFFD"), 256)
	}
	return e
}
