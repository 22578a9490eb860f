package kakaoapi

// KOE is a Kakao authorization-server error code, as found in the
// error_code field of a kauth error body or on Kakao's own error page, for
// example "KOE320".
type KOE string

// KOE codes documented for the authorize page and the token and tokeninfo
// endpoints.
const (
	KOE001 KOE = "KOE001" // malformed request or bad parameters
	KOE002 KOE = "KOE002" // request sent to a wrong URL
	KOE003 KOE = "KOE003" // temporary error on Kakao's OAuth server
	KOE004 KOE = "KOE004" // Kakao Login is switched off for the app
	KOE005 KOE = "KOE005" // app in test mode, user is not an app member
	KOE006 KOE = "KOE006" // redirect_uri not registered for the key
	KOE007 KOE = "KOE007" // logout_redirect_uri not registered
	KOE008 KOE = "KOE008" // wrong kind of app key for this flow
	KOE009 KOE = "KOE009" // platform settings do not match the request
	KOE010 KOE = "KOE010" // client_secret missing or wrong
	KOE023 KOE = "KOE023" // JS SDK popup login not available
	KOE101 KOE = "KOE101" // invalid app key (client_id)
	KOE102 KOE = "KOE102" // channel_public_id used without a linked channel
	KOE114 KOE = "KOE114" // code issued to a different app key
	KOE127 KOE = "KOE127" // blocked by the allowed-IP setting
	KOE201 KOE = "KOE201" // unsupported response_type
	KOE202 KOE = "KOE202" // implicit grant (response_type=token) requested
	KOE203 KOE = "KOE203" // required consent item not agreed
	KOE204 KOE = "KOE204" // invalid parameter included
	KOE205 KOE = "KOE205" // scope names an item not configured for the app
	KOE207 KOE = "KOE207" // a required parameter is missing
	KOE237 KOE = "KOE237" // token issuance rate limit exceeded
	KOE303 KOE = "KOE303" // redirect_uri differs from the one used at authorize
	KOE310 KOE = "KOE310" // redirect-URI problem during token exchange
	KOE319 KOE = "KOE319" // refresh_token parameter missing
	KOE320 KOE = "KOE320" // authorization code unknown, used or expired
	KOE322 KOE = "KOE322" // refresh token unknown, expired, rotated or unlinked
	KOE400 KOE = "KOE400" // invalid ID token (tokeninfo)
)

// Hint returns an English hint for the operator saying what is wrong and,
// where a setting is to blame, which Kakao Developers console setting to
// fix. It returns a generic hint for codes it does not know. Hints are meant
// for logs and operator pages, not for end users.
func (k KOE) Hint() string {
	switch k {
	case KOE001, KOE204:
		return "the authorization request is malformed; check the parameters this app sends"
	case KOE002:
		return "the request went to a wrong Kakao URL; check the configured AuthURL"
	case KOE003:
		return "temporary error on Kakao's authorization server; retry later"
	case KOE004:
		return "Kakao Login is switched off; turn it on under Kakao Login in the Kakao Developers console"
	case KOE005:
		return "the app is in test mode; add this user as an app member or publish the app in the Kakao Developers console"
	case KOE006:
		return "register this redirect URI for the REST API key in the Kakao Developers console"
	case KOE007:
		return "register this logout redirect URI under Kakao Login > Logout redirect URI in the Kakao Developers console"
	case KOE008:
		return "use the app's REST API key as client_id for a server-side web login"
	case KOE009:
		return "register the Web platform and this site's domain for the app in the Kakao Developers console"
	case KOE010:
		return "the client secret is missing or wrong; copy it from the REST API key's client-secret setting in the Kakao Developers console"
	case KOE023:
		return "popup login is not available; use a redirect login"
	case KOE101:
		return "the REST API key (client_id) is invalid; copy it again from App keys in the Kakao Developers console"
	case KOE102:
		return "channel_public_id was sent but the app has no linked Kakao Talk Channel; link one in the Kakao Developers console or stop sending it"
	case KOE114:
		return "the authorization code was issued to a different REST API key than the one exchanging it"
	case KOE127:
		return "this server's IP address is not in the allowed server IP list of the key in the Kakao Developers console"
	case KOE201, KOE202:
		return "only response_type=code is supported"
	case KOE203:
		return "the user did not agree to a required consent item"
	case KOE205:
		return "a requested scope is not configured; enable that consent item under Kakao Login > Consent items in the Kakao Developers console"
	case KOE207:
		return "a required parameter is missing from the request"
	case KOE237:
		return "too many tokens issued for this user (20 access tokens per 10 min, 30 refreshes per hour); slow down"
	case KOE303, KOE310:
		return "the redirect_uri of the token request must equal the one of the authorize request and be registered for the REST API key in the Kakao Developers console"
	case KOE319:
		return "the refresh token is missing from the refresh request"
	case KOE320:
		return "the authorization code is unknown, already used or expired; start the login again"
	case KOE322:
		return "the refresh token is invalid, expired, already rotated, or the user unlinked; the user must log in again"
	case KOE400:
		return "the ID token is invalid"
	}
	return "unknown Kakao authorization error code"
}

// Code is a Kakao API-server (kapi) error code, the negative integer in the
// code field of a kapi error body.
type Code int

// Kakao API-server error codes.
const (
	CodeInternal               Code = -1    // internal error; retry
	CodeBadParameter           Code = -2    // missing or invalid parameter
	CodeNotAllowed             Code = -3    // feature not enabled or action not allowed
	CodeAccountRestricted      Code = -4    // account sanctioned or restricted
	CodeNoPermission           Code = -5    // app lacks permission for the API
	CodeServiceRestricted      Code = -6    // action not allowed by the Kakao service
	CodeMaintenance            Code = -7    // service maintenance or internal problem
	CodeInvalidHeader          Code = -8    // invalid header
	CodeDiscontinued           Code = -9    // API discontinued
	CodeRateLimited            Code = -10   // quota or request limit exceeded
	CodeOverSpendingCap        Code = -11   // paid API over its spending cap
	CodeDeveloperSanctioned    Code = -12   // developer app or account sanctioned
	CodeNotLinked              Code = -101  // user not linked to the app
	CodeAlreadyRegistered      Code = -102  // manual signup for a linked user
	CodeDormantAccount         Code = -103  // dormant or non-existent Kakao account
	CodeUnknownProperty        Code = -201  // unknown user-property key
	CodeUnknownApp             Code = -301  // app does not exist
	CodeInvalidToken           Code = -401  // invalid or expired token or key
	CodeInsufficientScope      Code = -402  // missing user consent
	CodeAgeVerification        Code = -405  // age verification required
	CodeUnderAge               Code = -406  // user under 14 on an app blocking them
	CodeNotTalkUser            Code = -501  // not a Kakao Talk user
	CodeNotFriend              Code = -502  // message receiver is not a friend
	CodeTalkDelivery504        Code = -504  // Kakao Talk message delivery restriction
	CodeTalkDelivery530        Code = -530  // Kakao Talk message delivery restriction
	CodeTalkDelivery531        Code = -531  // Kakao Talk message delivery restriction
	CodeTalkDelivery532        Code = -532  // Kakao Talk message delivery restriction
	CodeImageTooLarge          Code = -602  // uploaded image too large
	CodeInternalTimeout        Code = -603  // internal timeout
	CodeTooManyImages          Code = -606  // too many images uploaded
	CodeUnregisteredDeveloper  Code = -903  // key or token of an unregistered developer
	CodeUnsupportedImageFormat Code = -911  // unsupported image format
	CodeServiceMaintenance     Code = -9798 // service under maintenance
)

// Hint returns an English hint for the operator saying what the code means
// and, where a setting is to blame, which Kakao Developers console setting
// to check. It returns a generic hint for codes it does not know.
func (c Code) Hint() string {
	switch c {
	case CodeInternal, CodeMaintenance, CodeInternalTimeout:
		return "temporary failure at Kakao; retry later and do not log the user out"
	case CodeBadParameter:
		return "a parameter is missing, malformed or out of range (check scope IDs, tags and property keys)"
	case CodeNotAllowed:
		return "the feature is not enabled for the app or the action is not allowed (for example revoking a required consent item); check the app's settings in the Kakao Developers console"
	case CodeAccountRestricted:
		return "the user's Kakao account is sanctioned or restricted"
	case CodeNoPermission:
		return "the app lacks permission for this API; request it (review) in the Kakao Developers console"
	case CodeServiceRestricted:
		return "the Kakao service does not allow this action"
	case CodeInvalidHeader:
		return "a request header is invalid"
	case CodeDiscontinued:
		return "this Kakao API has been discontinued"
	case CodeRateLimited:
		return "Kakao's request limit was exceeded; back off and retry later"
	case CodeOverSpendingCap:
		return "the paid API reached its spending cap set in the Kakao Developers console"
	case CodeDeveloperSanctioned:
		return "the developer app or account is sanctioned; contact Kakao"
	case CodeNotLinked:
		return "the user is not linked to this app (unlinked, or another app's user ID)"
	case CodeAlreadyRegistered:
		return "the user is already linked; manual signup is not needed"
	case CodeDormantAccount:
		return "the Kakao account is dormant or does not exist"
	case CodeUnknownProperty:
		return "define this user property key under Kakao Login > User properties in the Kakao Developers console"
	case CodeUnknownApp:
		return "the app key does not belong to an existing app; check the key"
	case CodeInvalidToken:
		return "the access token or admin key is invalid or expired; refresh the token or check the admin key"
	case CodeInsufficientScope:
		return "the user has not agreed to a needed consent item; ask for additional consent with the required scopes"
	case CodeAgeVerification:
		return "the user must verify their age"
	case CodeUnderAge:
		return "the user is under 14 and the app blocks under-14 users (Kakao Developers console setting)"
	case CodeNotTalkUser:
		return "the user does not use Kakao Talk"
	case CodeNotFriend, CodeTalkDelivery504, CodeTalkDelivery530, CodeTalkDelivery531, CodeTalkDelivery532:
		return "Kakao Talk message delivery restriction (not used by Kakao Login)"
	case CodeImageTooLarge, CodeTooManyImages, CodeUnsupportedImageFormat:
		return "image upload rejected (not used by Kakao Login)"
	case CodeUnregisteredDeveloper:
		return "the key or token belongs to an unregistered developer; complete developer registration"
	case CodeServiceMaintenance:
		return "Kakao is under maintenance; retry later"
	}
	return "unknown Kakao API error code"
}
