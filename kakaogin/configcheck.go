package kakaogin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/kakaologin/kakaologin/kakaogin/kakaoapi"
)

// CheckCode names one finding of CheckConfig. The values are stable, so
// that a host can branch on them or alert on them; the text explaining
// them may change.
type CheckCode string

// Findings of CheckConfig. The *OK codes report a check that passed.
const (
	// CheckDiscoveryOK: Kakao's OIDC discovery document names the
	// configured issuer and a key set.
	CheckDiscoveryOK CheckCode = "discovery.ok"
	// CheckDiscoveryFailed: the discovery document could not be fetched
	// or names another issuer; ID tokens cannot be verified.
	CheckDiscoveryFailed CheckCode = "discovery.failed"
	// CheckKeySetOK: Kakao's signing key set was fetched and has keys.
	CheckKeySetOK CheckCode = "keyset.ok"
	// CheckKeySetFailed: the key set could not be fetched or has no
	// usable key.
	CheckKeySetFailed CheckCode = "keyset.failed"
	// CheckClientOK: the token endpoint accepted the REST API key and the
	// client secret (it refused only the made-up code).
	CheckClientOK CheckCode = "client.ok"
	// CheckClientIDWrong: Kakao does not know the REST API key (KOE101).
	CheckClientIDWrong CheckCode = "client.id_wrong"
	// CheckClientSecretWrong: the client secret is wrong (KOE010).
	CheckClientSecretWrong CheckCode = "client.secret_wrong"
	// CheckClientSecretMissing: the app requires a client secret and
	// none is configured (KOE010).
	CheckClientSecretMissing CheckCode = "client.secret_missing"
	// CheckRedirectOK: Kakao accepted the redirect URI and the consent
	// items at its authorize page.
	CheckRedirectOK CheckCode = "redirect.ok"
	// CheckRedirectNotRegistered: the redirect URI is not registered for
	// the REST API key (KOE006).
	CheckRedirectNotRegistered CheckCode = "redirect.not_registered"
	// CheckScopeNotConfigured: a consent item in Scopes or ExtraScopes is
	// not set up for the app (KOE205).
	CheckScopeNotConfigured CheckCode = "scope.not_configured"
	// CheckScopeAdvice: advice, not a test result: consent items that
	// Kakao gives only to business apps or after review. It is shown
	// when Kakao could not confirm the consent items.
	CheckScopeAdvice CheckCode = "scope.advice"
	// CheckLoginDisabled: Kakao Login is switched off for the app
	// (KOE004).
	CheckLoginDisabled CheckCode = "login.disabled"
	// CheckAdminKeyOK: Kakao accepted the admin key.
	CheckAdminKeyOK CheckCode = "admin_key.ok"
	// CheckAdminKeyWrong: Kakao refused the admin key.
	CheckAdminKeyWrong CheckCode = "admin_key.wrong"
	// CheckKakaoError: Kakao answered with an error this check does not
	// explain; the finding carries Kakao's code when there is one.
	CheckKakaoError CheckCode = "kakao.error"
	// CheckUnreachable: Kakao could not be reached or failed; the check
	// behind the finding (Step) could not be made.
	CheckUnreachable CheckCode = "kakao.unreachable"
)

// Severity says whether a finding stops logins.
type Severity string

// Severities. Only SeverityError makes a Report not OK: a warning is
// something to look at that may be fine.
const (
	SeverityOK      Severity = "ok"
	SeverityWarning Severity = "warning"
	SeverityError   Severity = "error"
)

// Finding is one result of CheckConfig. It holds no key, secret, token or
// code, so it can be logged and shown as it is.
type Finding struct {
	Code     CheckCode
	Severity Severity
	// Step is the check that made the finding: "discovery", "keyset",
	// "token", "authorize" or "admin".
	Step string
	// KOE is Kakao's error code behind the finding, "" if none.
	KOE kakaoapi.KOE
	// Scopes are the consent items the finding is about (scope.*).
	Scopes []string
}

// Report is the result of CheckConfig: one finding per check made, in the
// order they were made.
type Report struct {
	Findings []Finding
	// redirectURL is shown in the fix of redirect findings; it is the
	// configured RedirectURL, which is no secret.
	redirectURL string
}

// OK reports whether no finding is an error, that is whether logins can
// work as far as Kakao's harmless answers tell.
func (r Report) OK() bool {
	for _, f := range r.Findings {
		if f.Severity == SeverityError {
			return false
		}
	}
	return true
}

// Has reports whether the report has a finding with code c, for hosts and
// tests that branch on one.
func (r Report) Has(c CheckCode) bool {
	return slices.ContainsFunc(r.Findings, func(f Finding) bool { return f.Code == c })
}

// checkTimeout bounds each call CheckConfig makes to Kakao, whatever the
// caller's context allows.
const checkTimeout = 10 * time.Second

// checkCode is the authorization code CheckConfig sends to the token
// endpoint. Kakao never issues codes of this shape, so a good
// configuration is always answered with KOE320 (code not found).
const checkCode = "kakaologin-config-check"

// maxCheckBody caps the bodies CheckConfig reads (error pages, key set).
const maxCheckBody = 256 << 10

// CheckConfig asks Kakao, with harmless calls only, whether the
// configuration works, and explains each problem with its fix in the Kakao
// Developers console. Call it at startup (or from an operator's command)
// to find a wrong key, secret or redirect URI before users meet Kakao's
// KOE error pages.
//
// The calls: the OIDC discovery document and key set (unless
// Login.DisableOIDC); a token request with a made-up code, which Kakao
// refuses with a code that tells a wrong REST API key or client secret from
// a good one; the authorize page with prompt=none and no Kakao session,
// which Kakao answers with an error page (unknown key, unregistered
// redirect URI, consent item not set up) or a redirect back without a
// code; and, with an AdminKey, a user lookup for an ID no user has, which
// reads nothing. Nothing is issued, linked or changed. Each call has its
// own timeout. The report never contains the keys, the secret or Kakao's
// error descriptions.
func (k *Kakao) CheckConfig(ctx context.Context) Report {
	r := Report{redirectURL: k.cfg.RedirectURL}
	add := func(f Finding) { r.Findings = append(r.Findings, f) }
	if !k.cfg.Login.DisableOIDC {
		k.checkDiscovery(ctx, add)
	}
	k.checkToken(ctx, add)
	k.checkAuthorize(ctx, add, r.Has(CheckClientIDWrong))
	if k.cfg.AdminKey != "" {
		k.checkAdminKey(ctx, add)
	}
	return r
}

func (k *Kakao) checkDiscovery(ctx context.Context, add func(Finding)) {
	cctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	if err := k.Check(cctx); err != nil {
		add(Finding{Code: CheckDiscoveryFailed, Severity: SeverityError, Step: "discovery"})
		return
	}
	add(Finding{Code: CheckDiscoveryOK, Severity: SeverityOK, Step: "discovery"})
	if err := k.fetchKeySet(cctx); err != nil {
		add(Finding{Code: CheckKeySetFailed, Severity: SeverityError, Step: "keyset"})
		return
	}
	add(Finding{Code: CheckKeySetOK, Severity: SeverityOK, Step: "keyset"})
}

// fetchKeySet fetches the key set the discovery document names (Check
// verified that it is on the issuer's host) and requires an RSA key in it.
func (k *Kakao) fetchKeySet(ctx context.Context) error {
	d, err := k.api.Discover(ctx)
	if err != nil {
		return err
	}
	body, status, _, err := k.checkGet(ctx, d.JWKSURL)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("key set: HTTP %d", status)
	}
	var set struct {
		Keys []struct {
			Kty string `json:"kty"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return fmt.Errorf("key set: %w", err)
	}
	if !slices.ContainsFunc(set.Keys, func(key struct {
		Kty string `json:"kty"`
	}) bool {
		return key.Kty == "RSA"
	}) {
		return errors.New("key set: no RSA key")
	}
	return nil
}

func (k *Kakao) checkToken(ctx context.Context, add func(Finding)) {
	cctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	_, err := k.api.Exchange(cctx, checkCode, "")
	var ae *kakaoapi.AuthError
	switch {
	case err == nil: // a made-up code accepted: not Kakao as documented
		add(Finding{Code: CheckKakaoError, Severity: SeverityWarning, Step: "token"})
	case errors.As(err, &ae):
		add(tokenFinding(ae, k.cfg.ClientSecret != ""))
	default:
		add(Finding{Code: CheckUnreachable, Severity: SeverityError, Step: "token"})
	}
}

// tokenFinding explains Kakao's answer to the made-up code.
func tokenFinding(ae *kakaoapi.AuthError, haveSecret bool) Finding {
	f := Finding{Step: "token", KOE: ae.KOE, Severity: SeverityError}
	switch {
	case ae.KOE == kakaoapi.KOE320:
		f.Code, f.Severity, f.KOE = CheckClientOK, SeverityOK, "" // the expected refusal
	case ae.KOE == kakaoapi.KOE101:
		f.Code = CheckClientIDWrong
	case ae.KOE == kakaoapi.KOE010 && haveSecret:
		f.Code = CheckClientSecretWrong
	case ae.KOE == kakaoapi.KOE010:
		f.Code = CheckClientSecretMissing
	case ae.KOE == kakaoapi.KOE006, ae.KOE == kakaoapi.KOE303, ae.KOE == kakaoapi.KOE310:
		f.Code = CheckRedirectNotRegistered
	case ae.KOE == kakaoapi.KOE004:
		f.Code = CheckLoginDisabled
	case ae.KOE == "" && ae.Code == "invalid_client" && haveSecret:
		f.Code = CheckClientSecretWrong
	case ae.KOE == kakaoapi.KOE003 || ae.HTTPStatus >= 500:
		f.Code = CheckUnreachable
	default:
		f.Code, f.Severity = CheckKakaoError, SeverityWarning
	}
	return f
}

// koePattern finds a KOE code in Kakao's authorize error page or in the
// address it redirects to.
var koePattern = regexp.MustCompile(`KOE[0-9]{3}`)

func (k *Kakao) checkAuthorize(ctx context.Context, add func(Finding), clientWrong bool) {
	cctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	scopes := k.checkScopes()
	koe, err := k.probeAuthorize(cctx, scopes)
	if err != nil {
		add(Finding{Code: CheckUnreachable, Severity: SeverityError, Step: "authorize"})
		add(k.scopeAdvice(scopes))
		return
	}
	switch koe {
	case "":
		add(Finding{Code: CheckRedirectOK, Severity: SeverityOK, Step: "authorize"})
	case kakaoapi.KOE006:
		add(Finding{Code: CheckRedirectNotRegistered, Severity: SeverityError, Step: "authorize", KOE: koe})
		add(k.scopeAdvice(scopes)) // Kakao stopped before the consent items
	case kakaoapi.KOE101:
		if !clientWrong {
			add(Finding{Code: CheckClientIDWrong, Severity: SeverityError, Step: "authorize", KOE: koe})
		}
	case kakaoapi.KOE004:
		add(Finding{Code: CheckLoginDisabled, Severity: SeverityError, Step: "authorize", KOE: koe})
	case kakaoapi.KOE205:
		add(Finding{Code: CheckScopeNotConfigured, Severity: SeverityError, Step: "authorize", KOE: koe,
			Scopes: k.refusedScopes(cctx, scopes)})
	case kakaoapi.KOE003:
		add(Finding{Code: CheckUnreachable, Severity: SeverityError, Step: "authorize", KOE: koe})
	default:
		add(Finding{Code: CheckKakaoError, Severity: SeverityWarning, Step: "authorize", KOE: koe})
	}
}

// checkScopes are the consent items logins and additional consents ask
// for, without openid (no consent item).
func (k *Kakao) checkScopes() []string {
	var out []string
	for _, s := range append(slices.Clone(k.cfg.Scopes), k.cfg.ExtraScopes...) {
		if s != "openid" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// refusedScopes asks the authorize page about each item alone, to name the
// ones Kakao refuses with KOE205. Items that cannot be asked about are left
// out.
func (k *Kakao) refusedScopes(ctx context.Context, scopes []string) []string {
	var out []string
	for _, s := range scopes {
		if koe, err := k.probeAuthorize(ctx, []string{s}); err == nil && koe == kakaoapi.KOE205 {
			out = append(out, s)
		}
	}
	return out
}

// probeAuthorize opens the authorize page as a browser without a Kakao
// session would, with prompt=none so that Kakao never shows a login form
// and never issues a code. It returns the KOE code of Kakao's error page,
// or "" when Kakao accepted the request (a redirect back to the redirect
// URI with login_required, or to a login page).
func (k *Kakao) probeAuthorize(ctx context.Context, scopes []string) (kakaoapi.KOE, error) {
	u := k.api.AuthCodeURL(kakaoapi.AuthRequest{
		Scopes:       scopeParam(scopes),
		Prompts:      []kakaoapi.Prompt{kakaoapi.PromptNone},
		ServiceTerms: k.cfg.ServiceTerms,
	})
	body, status, loc, err := k.checkGet(ctx, u)
	if err != nil {
		return "", err
	}
	return authorizeKOE(status, loc, k.toRedirectURL(loc), body)
}

// authorizeKOE reads the answer of Kakao's authorize page (status, the
// Location of a redirect, whether that Location is the configured redirect
// URI, and at most maxCheckBody bytes of the body): the KOE code of its
// error page, or "" when Kakao accepted the request. The answer is
// untrusted input; only a matched KOE code comes out of it.
func authorizeKOE(status int, loc string, toRedirect bool, body []byte) (kakaoapi.KOE, error) {
	switch {
	case status >= 300 && status < 400:
		if m := koePattern.FindString(loc); m != "" && !toRedirect {
			return kakaoapi.KOE(m), nil
		}
		return "", nil
	case status >= 500:
		return "", fmt.Errorf("authorize: HTTP %d", status)
	}
	if m := koePattern.Find(body); m != nil {
		return kakaoapi.KOE(m), nil
	}
	if status == http.StatusOK {
		return "", nil // a page without an error code: a login form
	}
	return "", fmt.Errorf("authorize: HTTP %d without a KOE code", status)
}

// toRedirectURL reports whether loc points at the configured redirect URI.
func (k *Kakao) toRedirectURL(loc string) bool {
	u, err := url.Parse(loc)
	return err == nil && u.Scheme == k.cfg.redirect.Scheme && u.Host == k.cfg.redirect.Host && u.Path == k.cfg.redirect.Path
}

// checkGet makes a GET without credentials through the Kakao client (no
// redirects followed) and returns at most maxCheckBody bytes of the body.
func (k *Kakao) checkGet(ctx context.Context, u string) (body []byte, status int, location string, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, 0, "", fmt.Errorf("config check: %w", err)
	}
	resp, err := k.api.HTTPClient().Do(req)
	if err != nil {
		return nil, 0, "", fmt.Errorf("config check: %w", redactURLError(err))
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(io.LimitReader(resp.Body, maxCheckBody))
	if err != nil {
		return nil, 0, "", fmt.Errorf("config check: %w", err)
	}
	return body, resp.StatusCode, resp.Header.Get("Location"), nil
}

// redactURLError drops the URL (which carries the client ID) from a
// transport error.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func (k *Kakao) checkAdminKey(ctx context.Context, add func(Finding)) {
	cctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	// User ID 0 belongs to no one: a good key gets an empty list (or a
	// complaint about the ID), a wrong one -401.
	_, err := k.api.Users(cctx, k.cfg.AdminKey, []int64{0})
	var apiErr *kakaoapi.APIError
	switch {
	case err == nil:
		add(Finding{Code: CheckAdminKeyOK, Severity: SeverityOK, Step: "admin"})
	case errors.Is(err, kakaoapi.ErrInvalidToken):
		add(Finding{Code: CheckAdminKeyWrong, Severity: SeverityError, Step: "admin"})
	case errors.Is(err, kakaoapi.ErrBadParameter), errors.Is(err, kakaoapi.ErrNotLinked):
		add(Finding{Code: CheckAdminKeyOK, Severity: SeverityOK, Step: "admin"})
	case errors.Is(err, kakaoapi.ErrUnavailable):
		add(Finding{Code: CheckUnreachable, Severity: SeverityError, Step: "admin"})
	case errors.As(err, &apiErr):
		add(Finding{Code: CheckKakaoError, Severity: SeverityWarning, Step: "admin"})
	default:
		add(Finding{Code: CheckUnreachable, Severity: SeverityError, Step: "admin"})
	}
}

// scopeAdvice lists the configured consent items that Kakao gives only to
// business apps, with permission or after review. It is advice, shown
// when Kakao could not say whether the items are set up.
func (k *Kakao) scopeAdvice(scopes []string) Finding {
	var need []string
	for _, s := range scopes {
		if restrictedScope(s) {
			need = append(need, s)
		}
	}
	if len(need) == 0 {
		return Finding{Code: CheckScopeAdvice, Severity: SeverityOK, Step: "authorize"}
	}
	return Finding{Code: CheckScopeAdvice, Severity: SeverityWarning, Step: "authorize", Scopes: need}
}

// restrictedScope reports whether a consent item is one an app without a
// business registration, permission or review cannot set up, so that
// asking for it gives KOE205.
func restrictedScope(id string) bool {
	switch id {
	case "account_email", "name", "gender", "age_range", "birthday", "birthyear", "phone_number",
		"shipping_address", "account_ci", "legal_name", "legal_birth_date", "legal_gender",
		"talk_message", "friends", "plusfriends", "talk_calendar":
		return true
	}
	return false
}

// checkText is the explanation of a finding in one language: what was
// found and how to fix it.
type checkText struct {
	ko, en       string // what was found
	koFix, enFix string // what to change, naming the console menu
	// koNone, enNone are added to what was found when the finding names
	// no consent item; koList, enList introduce the items when it does.
	koNone, enNone, koList, enList string
}

// checkTextTable is the explanation of every finding code. Menu names are
// those of the Kakao Developers console.
func checkTextTable() map[CheckCode]checkText {
	return map[CheckCode]checkText{
		CheckDiscoveryOK: {ko: "OIDC 디스커버리 문서를 읽었고 발급자(issuer)가 설정과 같습니다.",
			en: "Read the OIDC discovery document; its issuer matches the configuration."},
		CheckDiscoveryFailed: {ko: "카카오의 OIDC 디스커버리 문서를 읽지 못했거나 발급자(issuer)가 설정과 다릅니다. ID 토큰을 검증할 수 없어 로그인이 실패합니다.",
			en:    "Could not read Kakao's OIDC discovery document, or its issuer differs from the configuration. ID tokens cannot be verified, so logins fail.",
			koFix: "서버에서 kauth.kakao.com에 접속할 수 있는지 확인하고 Endpoint 설정(AuthURL, Issuer)을 비워 두거나 바로잡으세요. 콘솔에서는 제품 설정 > 카카오 로그인 > OpenID Connect 활성화 설정이 ON인지 확인하세요(쓰지 않으려면 Login.DisableOIDC).",
			enFix: "Check that the server can reach kauth.kakao.com and leave Endpoint (AuthURL, Issuer) empty or correct it. In the console, check that Product settings > Kakao Login > OpenID Connect is ON (or set Login.DisableOIDC)."},
		CheckKeySetOK: {ko: "카카오의 서명 키 목록(JWKS)을 읽었습니다.", en: "Read Kakao's signing key set (JWKS)."},
		CheckKeySetFailed: {ko: "카카오의 서명 키 목록(JWKS)을 읽지 못했거나 쓸 수 있는 키가 없습니다. ID 토큰을 검증할 수 없습니다.",
			en:    "Could not read Kakao's signing key set (JWKS), or it has no usable key. ID tokens cannot be verified.",
			koFix: "서버에서 kauth.kakao.com에 접속할 수 있는지(방화벽, 프록시) 확인한 뒤 다시 점검하세요.",
			enFix: "Check that the server can reach kauth.kakao.com (firewall, proxy) and run the check again."},
		CheckClientOK: {ko: "토큰 요청에서 REST API 키와 Client Secret이 받아들여졌습니다(점검용 가짜 인가 코드만 거절됨).",
			en: "The token endpoint accepted the REST API key and client secret (it refused only the check's made-up code)."},
		CheckClientIDWrong: {ko: "카카오가 REST API 키(ClientID)를 모릅니다. 로그인하면 KOE101 오류가 납니다.",
			en:    "Kakao does not know the REST API key (ClientID). Logins fail with KOE101.",
			koFix: "카카오 디벨로퍼스 > 내 애플리케이션 > 앱 설정 > 앱 키에서 REST API 키를 복사해 ClientID에 넣으세요(JavaScript 키나 네이티브 앱 키, 어드민 키가 아닙니다. 앞뒤 공백도 확인하세요).",
			enFix: "Copy the REST API key from Kakao Developers > My Application > App settings > App keys into ClientID (not the JavaScript, native app or admin key; check for stray spaces)."},
		CheckClientSecretWrong: {ko: "Client Secret이 틀렸습니다. 로그인하면 KOE010 오류가 납니다.",
			en:    "The client secret is wrong. Logins fail with KOE010.",
			koFix: "제품 설정 > 카카오 로그인 > 보안 > Client Secret에서 코드를 복사해 ClientSecret에 넣으세요. 코드를 재발급했다면 새 코드를 넣어야 합니다.",
			enFix: "Copy the code from Product settings > Kakao Login > Security > Client Secret into ClientSecret. If the code was reissued, use the new one."},
		CheckClientSecretMissing: {ko: "이 앱은 Client Secret을 요구하는데 ClientSecret이 비어 있습니다. 로그인하면 KOE010 오류가 납니다.",
			en:    "The app requires a client secret and ClientSecret is empty. Logins fail with KOE010.",
			koFix: "제품 설정 > 카카오 로그인 > 보안 > Client Secret에서 코드를 복사해 ClientSecret에 넣으세요(활성화 상태를 사용 안 함으로 두는 것은 권하지 않습니다).",
			enFix: "Copy the code from Product settings > Kakao Login > Security > Client Secret into ClientSecret (switching the secret off is not recommended)."},
		CheckRedirectOK: {ko: "카카오가 Redirect URI와 동의항목을 받아들였습니다.",
			en: "Kakao accepted the redirect URI and the consent items."},
		CheckRedirectNotRegistered: {ko: "RedirectURL이 이 REST API 키의 Redirect URI로 등록되어 있지 않습니다. 로그인하면 KOE006 오류가 납니다.",
			en:    "RedirectURL is not registered as a redirect URI of this REST API key. Logins fail with KOE006.",
			koFix: "제품 설정 > 카카오 로그인 > Redirect URI에 다음 주소를 글자 하나까지 똑같이 등록하세요(http/https, 포트, 끝의 슬래시 포함): ",
			enFix: "Register this exact address under Product settings > Kakao Login > Redirect URI (scheme, port and trailing slash included): "},
		CheckScopeNotConfigured: {ko: "앱에 설정되지 않은 동의항목을 요청합니다. 로그인이나 추가 동의에서 KOE205 오류가 납니다.",
			en:     "A consent item asked for is not set up for the app. Logins or additional consents fail with KOE205.",
			koFix:  "제품 설정 > 카카오 로그인 > 동의항목에서 해당 항목을 설정하세요. 설정할 수 없는 항목(비즈 앱 전환이나 검수가 필요한 항목)이면 Scopes와 ExtraScopes에서 빼세요.",
			enFix:  "Set the items up under Product settings > Kakao Login > Consent items. If an item cannot be set up (it needs a business app or review), remove it from Scopes and ExtraScopes.",
			koList: " 해당 항목: ", enList: " Items: "},
		CheckScopeAdvice: {ko: "(조언) 카카오가 동의항목을 확인해 주지 않았습니다.",
			en:     "(Advice) Kakao did not confirm the consent items.",
			koNone: " 설정한 항목 중 비즈 앱이나 권한, 검수가 있어야 쓸 수 있는 항목은 없습니다.",
			enNone: " None of the configured items needs a business app, permission or review.",
			koFix:  "(조언) 다음 항목은 비즈 앱 전환(앱 설정 > 비즈니스)이나 권한 신청, 검수를 거쳐야 제품 설정 > 카카오 로그인 > 동의항목에서 설정할 수 있습니다. 설정하지 않은 채 요청하면 KOE205 오류가 납니다.",
			enFix:  "(Advice) These items can be set up under Product settings > Kakao Login > Consent items only for a business app (App settings > Business), with permission or after review; asking for one that is not set up fails with KOE205.",
			koList: " 해당 항목: ", enList: " Items: "},
		CheckLoginDisabled: {ko: "이 앱은 카카오 로그인이 꺼져 있습니다(KOE004).",
			en:    "Kakao Login is switched off for the app (KOE004).",
			koFix: "제품 설정 > 카카오 로그인에서 활성화 설정을 ON으로 바꾸세요.",
			enFix: "Switch Activation ON under Product settings > Kakao Login."},
		CheckAdminKeyOK: {ko: "카카오가 어드민 키를 받아들였습니다.", en: "Kakao accepted the admin key."},
		CheckAdminKeyWrong: {ko: "카카오가 어드민 키(AdminKey)를 거절했습니다. 연결 끊기 알림 확인과 사용자 토큰 없는 연결 끊기가 실패합니다.",
			en:    "Kakao refused the admin key (AdminKey). Verifying unlink callbacks and unlinking without a user token fail.",
			koFix: "앱 설정 > 앱 키에서 어드민 키를 복사해 AdminKey에 넣으세요. 어드민 키를 재발급했다면 새 키를 넣어야 합니다.",
			enFix: "Copy the admin key from App settings > App keys into AdminKey. If the key was reissued, use the new one."},
		CheckKakaoError: {ko: "카카오가 이 점검이 설명하지 못하는 답을 했습니다.",
			en:    "Kakao gave an answer this check does not explain.",
			koFix: "카카오 디벨로퍼스 문서의 KOE 코드 설명을 확인하고, 앱 설정 > 플랫폼 > Web의 사이트 도메인과 보안 설정(허용 IP 주소)도 확인하세요.",
			enFix: "Look the KOE code up in Kakao Developers' documentation, and check the site domain under App settings > Platform > Web and the security settings (allowed IP addresses)."},
		CheckUnreachable: {ko: "카카오에 접속하지 못했거나 카카오가 일시적으로 실패해 이 점검을 하지 못했습니다.",
			en:    "Could not reach Kakao, or Kakao failed for the moment, so this check could not be made.",
			koFix: "서버에서 kauth.kakao.com과 kapi.kakao.com에 접속할 수 있는지(방화벽, 프록시, Endpoint 설정) 확인한 뒤 다시 점검하세요.",
			enFix: "Check that the server can reach kauth.kakao.com and kapi.kakao.com (firewall, proxy, Endpoint setting) and run the check again."},
	}
}

// checkTexts returns the explanation of code; an unknown code explains
// itself by name.
func checkTexts(code CheckCode) checkText {
	if t, ok := checkTextTable()[code]; ok {
		return t
	}
	return checkText{ko: string(code), en: string(code)}
}

// Text returns what f found and how to fix it, in l, given the
// configured redirect URL (shown in the redirect fix). The fix is "" for a
// finding that needs none.
func (f Finding) Text(l Lang, redirectURL string) (found, fix string) {
	t := checkTexts(f.Code)
	found, fix, none, list := t.ko, t.koFix, t.koNone, t.koList
	if l == English {
		found, fix, none, list = t.en, t.enFix, t.enNone, t.enList
	}
	switch {
	case f.Code == CheckRedirectNotRegistered:
		fix += redirectURL
	case len(f.Scopes) > 0:
		fix += list + strings.Join(f.Scopes, ", ")
	case f.Code == CheckScopeAdvice:
		found, fix = found+none, ""
	}
	return found, fix
}

// Text renders the report in l, one finding a line with its fix below,
// and a last line saying whether logins can work. It contains no key,
// secret, token or code.
func (r Report) Text(l Lang) string {
	var b strings.Builder
	label := map[Severity][2]string{
		SeverityOK: {"[정상]", "[ok]"}, SeverityWarning: {"[주의]", "[warning]"}, SeverityError: {"[오류]", "[error]"},
	}
	idx := 0
	if l == English {
		idx = 1
	}
	for _, f := range r.Findings {
		found, fix := f.Text(l, r.redirectURL)
		koe := ""
		if f.KOE != "" {
			koe = " " + string(f.KOE)
		}
		fmt.Fprintf(&b, "%s %s%s: %s\n", label[f.Severity][idx], f.Code, koe, found)
		if fix != "" {
			if l == English {
				fmt.Fprintf(&b, "    fix: %s\n", fix)
			} else {
				fmt.Fprintf(&b, "    해결: %s\n", fix)
			}
		}
	}
	switch {
	case r.OK() && l == English:
		b.WriteString("Result: OK. Kakao accepts this configuration.\n")
	case r.OK():
		b.WriteString("결과: 정상. 카카오가 이 설정을 받아들입니다.\n")
	case l == English:
		b.WriteString("Result: FAILED. Fix the errors above; logins fail until then.\n")
	default:
		b.WriteString("결과: 실패. 위 오류를 고치기 전에는 로그인이 실패합니다.\n")
	}
	return b.String()
}
