package kakaogin

import (
	"net/http"
	"strings"

	"golang.org/x/text/language"
)

// Lang is a language the library's pages and messages are written in.
type Lang string

// Supported languages. Korean is the default for requests that state no
// preference.
const (
	Korean  Lang = "ko"
	English Lang = "en"
)

// requestLang returns the language for r: its lang cookie or query (as set
// by a host's language toggle) when valid, else Accept-Language, else
// Korean.
func requestLang(r *http.Request) Lang {
	if c, err := r.Cookie("lang"); err == nil {
		if l, ok := parseLang(c.Value); ok {
			return l
		}
	}
	h := r.Header.Get("Accept-Language")
	if h == "" || len(h) > 256 {
		return Korean
	}
	tags, _, err := language.ParseAcceptLanguage(h)
	if err != nil || len(tags) == 0 {
		return Korean
	}
	for _, t := range tags { // sorted by q, highest first
		base, _ := t.Base()
		if l, ok := parseLang(base.String()); ok {
			return l
		}
	}
	return Korean
}

func parseLang(s string) (Lang, bool) {
	switch strings.ToLower(s) {
	case "ko":
		return Korean, true
	case "en":
		return English, true
	}
	return "", false
}

// message is the user-facing text of an error code in both languages.
type message struct {
	ko, en   string // one or two sentences: what happened, what to do
	koT, enT string // page title
}

func (m message) text(l Lang) (title, body string) {
	if l == English {
		return m.enT, m.en
	}
	return m.koT, m.ko
}

// messageEntry is the text of one error code.
type messageEntry struct {
	code ErrorCode
	m    message
}

// numMessages is the number of entries in messages. The compiler refuses
// more entries than this; keep it exact, as fewer would leave empty ones.
const numMessages = 29

// messages returns the texts of all error codes. Texts say what happened
// and what the user can do; they never contain request input or causes.
// It is a function returning an array, rather than a package variable, so
// that nothing can change the texts at run time; the array is a value
// copied from read-only data, so a lookup does not allocate.
func messages() [numMessages]messageEntry {
	return [numMessages]messageEntry{
		{CodeBadRequest, message{
			koT: "잘못된 요청", enT: "Bad request",
			ko: "요청 형식이 올바르지 않습니다. 처음부터 다시 시도해 주세요.",
			en: "The request was malformed. Please start again."}},
		{CodeStateMismatch, message{
			koT: "로그인을 완료할 수 없습니다", enT: "Login could not be completed",
			ko: "이 로그인 요청은 이미 사용되었거나 다른 브라우저에서 시작되었습니다. 다시 로그인해 주세요.",
			en: "This login attempt was already used or was started in another browser. Please log in again."}},
		{CodeFlowExpired, message{
			koT: "로그인 시간이 초과되었습니다", enT: "Login timed out",
			ko: "로그인을 시작한 지 너무 오래되었습니다. 다시 로그인해 주세요.",
			en: "Too much time passed since the login started. Please log in again."}},
		{CodeAccessDenied, message{
			koT: "로그인이 취소되었습니다", enT: "Login cancelled",
			ko: "카카오 로그인을 취소하셨습니다. 언제든 다시 시도할 수 있습니다.",
			en: "You cancelled Kakao Login. You can try again at any time."}},
		{CodeConsentRequired, message{
			koT: "동의가 필요합니다", enT: "Consent needed",
			ko: "서비스 이용에 필요한 항목에 동의하지 않으셨습니다. 다시 로그인하여 동의해 주세요.",
			en: "A consent item this service needs was not given. Please log in again and agree to it."}},
		{CodeLoginRequired, message{
			koT: "로그인이 필요합니다", enT: "Login required",
			ko: "이 페이지를 보려면 로그인해 주세요.",
			en: "Please log in to see this page."}},
		{CodeInsufficientScope, message{
			koT: "추가 동의가 필요합니다", enT: "More consent needed",
			ko: "이 기능을 사용하려면 추가 항목에 동의해야 합니다.",
			en: "This feature needs your consent to more items."}},
		{CodeForbidden, message{
			koT: "요청이 거부되었습니다", enT: "Request refused",
			ko: "이 요청은 이 사이트의 페이지에서 보낸 것이 아니어서 처리하지 않았습니다. 페이지를 새로고침한 뒤 다시 시도해 주세요.",
			en: "This request did not come from this site's own page, so nothing was changed. Reload the page and try again."}},
		{CodeInvalidIDToken, message{
			koT: "로그인을 확인할 수 없습니다", enT: "Login could not be verified",
			ko: "카카오에서 받은 로그인 정보를 확인하지 못했습니다. 잠시 후 다시 로그인해 주세요.",
			en: "The login information from Kakao could not be verified. Please log in again shortly."}},
		{CodeIdentityMismatch, message{
			koT: "로그인을 확인할 수 없습니다", enT: "Login could not be verified",
			ko: "카카오에서 받은 사용자 정보가 일치하지 않습니다. 다시 로그인해 주세요.",
			en: "The user information from Kakao did not match. Please log in again."}},
		{CodeLinkConflict, message{
			koT: "이미 연결된 카카오계정", enT: "Kakao account already linked",
			ko: "이 카카오계정은 이미 다른 회원 계정에 연결되어 있습니다.",
			en: "This Kakao account is already linked to another account on this site."}},
		{CodeKakaoError, message{
			koT: "카카오 로그인 오류", enT: "Kakao Login error",
			ko: "카카오 로그인 설정 문제로 요청을 처리하지 못했습니다. 사이트 관리자에게 문의해 주세요.",
			en: "Kakao Login could not complete because of a configuration problem. Please contact the site's operator."}},
		{CodeKakaoUnavailable, message{
			koT: "카카오에 연결할 수 없습니다", enT: "Kakao is unavailable",
			ko: "카카오 서버가 응답하지 않습니다. 잠시 후 다시 시도해 주세요.",
			en: "Kakao's servers are not answering. Please try again in a moment."}},
		{CodeSessionUnavailable, message{
			koT: "일시적인 오류", enT: "Temporary error",
			ko: "로그인 정보를 저장하는 서버에 연결할 수 없습니다. 잠시 후 다시 시도해 주세요.",
			en: "The server that keeps logins is not answering. Please try again in a moment."}},
		{CodeReauthRequired, message{
			koT: "다시 로그인해 주세요", enT: "Please log in again",
			ko: "안전을 위해 이 작업 전에 다시 로그인해야 합니다.",
			en: "For your safety, please log in again before doing this."}},
		{CodeNotLinked, message{
			koT: "연결이 끊어졌습니다", enT: "Disconnected",
			ko: "이 카카오계정은 더 이상 이 서비스에 연결되어 있지 않습니다. 다시 로그인해 주세요.",
			en: "This Kakao account is no longer connected to this service. Please log in again."}},
		{CodeSignupRequired, message{
			koT: "가입을 완료해 주세요", enT: "Finish signing up",
			ko: "서비스를 이용하려면 가입 절차를 완료해야 합니다.",
			en: "Please finish signing up to use this service."}},
		{CodeMethodNotAllowed, message{
			koT: "허용되지 않는 요청", enT: "Method not allowed",
			ko: "이 주소는 양식 제출로만 사용할 수 있습니다.",
			en: "This address can only be used by submitting a form."}},
		{CodeUnauthorizedCaller, message{
			koT: "인증 실패", enT: "Unauthorized",
			ko: "요청의 인증 정보가 올바르지 않습니다.",
			en: "The request's credentials are not valid."}},
		{CodeHookFailed, message{
			koT: "처리 중 오류", enT: "Something went wrong",
			ko: "요청을 처리하는 중 오류가 발생했습니다. 잠시 후 다시 시도해 주세요.",
			en: "Something went wrong while handling the request. Please try again shortly."}},
		{CodeNotRevocable, message{
			koT: "철회할 수 없는 항목", enT: "Cannot be withdrawn",
			ko: "필수 동의 항목은 철회할 수 없습니다.",
			en: "This item is required and cannot be withdrawn."}},
		{CodeNoOtherLogin, message{
			koT: "연결을 해제할 수 없습니다", enT: "Cannot disconnect",
			ko: "카카오 연결을 해제하면 로그인할 방법이 없습니다. 먼저 비밀번호 등 다른 로그인 방법을 설정해 주세요.",
			en: "Without Kakao you would have no way to log in. Set up another way to log in (a password) first."}},
		{CodeTooManyAttempts, message{
			koT: "잠시 후 다시 시도해 주세요", enT: "Please wait a moment",
			ko: "로그인 시도가 너무 많이 실패했습니다. 1분 뒤에 다시 시도해 주세요.",
			en: "Too many login attempts failed. Please try again in a minute."}},
		{CodeTooManyLogins, message{
			koT: "잠시 후 다시 시도해 주세요", enT: "Please wait a moment",
			ko: "지금 이 네트워크에서 로그인 요청이 너무 많습니다. 1분 뒤에 다시 시도해 주세요.",
			en: "Too many logins are being started from your network right now. Please try again in a minute."}},
		{CodeCookiesBlocked, message{
			koT: "쿠키가 차단되어 있습니다", enT: "Cookies are blocked",
			ko: "브라우저가 이 사이트의 쿠키를 받지 않아 로그인 상태를 유지할 수 없습니다. 브라우저 설정에서 이 사이트의 쿠키를 허용해 주세요(시크릿 모드나 추적 방지 기능이 쿠키를 막기도 합니다). 허용한 뒤 이 사이트의 첫 화면에서 다시 시작해 주세요.",
			en: "Your browser is not keeping this site's cookies, so you cannot stay logged in. Allow cookies for this site in your browser's settings (private browsing or tracking protection can block them too), then start again from this site's home page."}},
		{CodeInvalidNonce, message{
			koT: "로그인을 확인할 수 없습니다", enT: "Login could not be verified",
			ko: "로그인 요청이 만료되었거나 이미 사용되었습니다. 앱에서 다시 로그인해 주세요.",
			en: "This login attempt expired or was already used. Please log in again in the app."}},
		{CodeInvalidAccessToken, message{
			koT: "로그인을 확인할 수 없습니다", enT: "Login could not be verified",
			ko: "카카오 토큰이 만료되었거나 이 서비스의 앱에서 발급된 것이 아닙니다. 앱에서 다시 로그인해 주세요.",
			en: "The Kakao token has expired or was not issued to this service's app. Please log in again in the app."}},
		{CodeBearerNotAllowed, message{
			koT: "지원하지 않는 인증 방식", enT: "Authentication method not accepted",
			ko: "이 주소는 앱의 세션 토큰(Authorization: Bearer)을 받지 않습니다.",
			en: "This address does not accept an app's session token (Authorization: Bearer)."}},
		{CodeInternal, message{
			koT: "처리 중 오류", enT: "Something went wrong",
			ko: "요청을 처리하는 중 오류가 발생했습니다. 잠시 후 다시 시도해 주세요.",
			en: "Something went wrong while handling the request. Please try again shortly."}},
	}
}

// messageOf returns the text of code.
func messageOf(code ErrorCode) (message, bool) {
	all := messages()
	for i := range all {
		if all[i].code == code {
			return all[i].m, true
		}
	}
	return message{}, false
}

// Message returns the user-facing title and text of code in lang. Unknown
// codes get the generic internal-error text.
func Message(code ErrorCode, lang Lang) (title, text string) {
	m, ok := messageOf(code)
	if !ok {
		m, _ = messageOf(CodeInternal)
	}
	return m.text(lang)
}
