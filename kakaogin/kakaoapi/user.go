package kakaoapi

import (
	"encoding/json"
	"strings"
	"time"
)

// User is a user as returned by Me and Users. Pointer fields
// are nil when Kakao left the field out; string fields are empty then.
type User struct {
	// ID is the service user ID; it exceeds 2^53 for real users and is
	// decoded without passing through float64.
	ID int64 `json:"id"`
	// HasSignedUp is present only for apps with auto-link switched off:
	// false means pre-registered, signup (Signup) still pending.
	HasSignedUp *bool      `json:"has_signed_up,omitempty"`
	ConnectedAt *time.Time `json:"connected_at,omitempty"` // when the user was linked
	SynchedAt   *time.Time `json:"synched_at,omitempty"`   // Kakao Sync simple signup time
	// Properties are the app's custom user properties.
	Properties     map[string]string `json:"properties,omitempty"`
	KakaoAccount   *Account          `json:"kakao_account,omitempty"`
	ForPartner     *ForPartner       `json:"for_partner,omitempty"`
	GroupUserToken string            `json:"group_user_token,omitempty"` // app groups only
}

// ForPartner holds partner-only identifiers.
type ForPartner struct {
	UUID string `json:"uuid,omitempty"`
}

// Account is the kakao_account object. Each *NeedsAgreement flag is
// nil when the consent item is not configured for the app, true when the
// value could be had with (additional) consent, and false when consent is
// given (a false flag with an empty value means the account lacks the data).
// The deprecated has_* flags are not decoded.
type Account struct {
	ProfileNeedsAgreement         *bool    `json:"profile_needs_agreement,omitempty"` // legacy combined item
	ProfileNicknameNeedsAgreement *bool    `json:"profile_nickname_needs_agreement,omitempty"`
	ProfileImageNeedsAgreement    *bool    `json:"profile_image_needs_agreement,omitempty"`
	Profile                       *Profile `json:"profile,omitempty"`

	NameNeedsAgreement *bool  `json:"name_needs_agreement,omitempty"`
	Name               string `json:"name,omitempty"`

	EmailNeedsAgreement *bool `json:"email_needs_agreement,omitempty"`
	// IsEmailValid is false when another account took the address over.
	IsEmailValid    *bool  `json:"is_email_valid,omitempty"`
	IsEmailVerified *bool  `json:"is_email_verified,omitempty"`
	Email           string `json:"email,omitempty"` // trust only if EmailVerified()

	AgeRangeNeedsAgreement *bool    `json:"age_range_needs_agreement,omitempty"`
	AgeRange               AgeRange `json:"age_range,omitempty"`

	BirthyearNeedsAgreement *bool        `json:"birthyear_needs_agreement,omitempty"`
	Birthyear               string       `json:"birthyear,omitempty"` // YYYY
	BirthdayNeedsAgreement  *bool        `json:"birthday_needs_agreement,omitempty"`
	Birthday                string       `json:"birthday,omitempty"` // MMDD
	BirthdayType            BirthdayType `json:"birthday_type,omitempty"`
	IsLeapMonth             *bool        `json:"is_leap_month,omitempty"`

	GenderNeedsAgreement *bool  `json:"gender_needs_agreement,omitempty"`
	Gender               Gender `json:"gender,omitempty"`

	PhoneNumberNeedsAgreement *bool  `json:"phone_number_needs_agreement,omitempty"`
	PhoneNumber               string `json:"phone_number,omitempty"` // e.g. "+82 10-1234-5678"

	CINeedsAgreement  *bool      `json:"ci_needs_agreement,omitempty"`
	CI                string     `json:"ci,omitempty"`
	CIAuthenticatedAt *time.Time `json:"ci_authenticated_at,omitempty"`

	LegalNameNeedsAgreement      *bool  `json:"legal_name_needs_agreement,omitempty"`
	LegalName                    string `json:"legal_name,omitempty"`
	LegalBirthDateNeedsAgreement *bool  `json:"legal_birth_date_needs_agreement,omitempty"`
	LegalBirthDate               string `json:"legal_birth_date,omitempty"`
	LegalGenderNeedsAgreement    *bool  `json:"legal_gender_needs_agreement,omitempty"`
	LegalGender                  string `json:"legal_gender,omitempty"`
	IsKoreanNeedsAgreement       *bool  `json:"is_korean_needs_agreement,omitempty"`
	IsKorean                     *bool  `json:"is_korean,omitempty"`
}

// EmailVerified reports whether Email can be trusted as the user's address:
// true only when is_email_valid and is_email_verified are both true. Never
// link an existing local account by an email that is not verified: whoever
// controls the Kakao account would take it over. It is false for a nil
// Account.
func (a *Account) EmailVerified() bool {
	return a != nil && a.Email != "" && isTrue(a.IsEmailValid) && isTrue(a.IsEmailVerified)
}

func isTrue(b *bool) bool { return b != nil && *b }

// Profile is kakao_account.profile.
type Profile struct {
	Nickname          string `json:"nickname,omitempty"`
	ThumbnailImageURL string `json:"thumbnail_image_url,omitempty"` // 110×110
	ProfileImageURL   string `json:"profile_image_url,omitempty"`   // 640×640
	IsDefaultImage    *bool  `json:"is_default_image,omitempty"`
	IsDefaultNickname *bool  `json:"is_default_nickname,omitempty"`
}

// Gender is a gender value, decoded in lower case: Kakao documents "male"
// and "female" but shows "MALE" in a sample response.
type Gender string

// Gender values.
const (
	Male   Gender = "male"
	Female Gender = "female"
)

// UnmarshalJSON decodes a JSON string in lower case.
func (g *Gender) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*g = Gender(strings.ToLower(s))
	return nil
}

// AgeRange is an age bucket such as "20~29".
type AgeRange string

// Age range values. "0~9", used by some Kakao SDKs for the youngest bucket
// where Kakao's documentation says "1~9", is decoded as AgeRange1to9.
const (
	AgeRange1to9   AgeRange = "1~9"
	AgeRange10to14 AgeRange = "10~14"
	AgeRange15to19 AgeRange = "15~19"
	AgeRange20to29 AgeRange = "20~29"
	AgeRange30to39 AgeRange = "30~39"
	AgeRange40to49 AgeRange = "40~49"
	AgeRange50to59 AgeRange = "50~59"
	AgeRange60to69 AgeRange = "60~69"
	AgeRange70to79 AgeRange = "70~79"
	AgeRange80to89 AgeRange = "80~89"
	AgeRange90Up   AgeRange = "90~"
)

// UnmarshalJSON decodes a JSON string, mapping "0~9" to "1~9".
func (r *AgeRange) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if s == "0~9" {
		s = string(AgeRange1to9)
	}
	*r = AgeRange(s)
	return nil
}

// BirthdayType says which calendar Birthday is in.
type BirthdayType string

// Birthday types.
const (
	Solar BirthdayType = "SOLAR"
	Lunar BirthdayType = "LUNAR"
)
