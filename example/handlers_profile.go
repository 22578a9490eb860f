package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/kakaogin"
	"github.com/kakaologin/kakaologin/kakaogin/kakaoapi"
)

// field is one row of the profile table.
type field struct {
	ID    string // data-field
	Scope string // consent item that unlocks it
	Value string
	// State: "ok" (value shown), "empty" (agreed, Kakao has no data),
	// "ask" (not consented), "off" (not configured for the app).
	State   string
	Askable bool
}

// fieldOf classifies a kakao_account field by its *_needs_agreement flag.
func fieldOf(id, scope string, needs *bool, value string) field {
	f := field{ID: id, Scope: scope, Value: value}
	switch {
	case needs == nil && value == "":
		f.State = "off"
	case needs != nil && *needs:
		f.State = "ask"
	case value == "":
		f.State = "empty"
	default:
		f.State = "ok"
	}
	return f
}

func yesNo(b *bool) string {
	if b == nil {
		return "?"
	}
	if *b {
		return "true"
	}
	return "false"
}

// accountFields lists every kakao_account field, in the order of Kakao's
// documentation.
func accountFields(acc *kakaoapi.Account) []field {
	if acc == nil {
		acc = &kakaoapi.Account{}
	}
	p := acc.Profile
	if p == nil {
		p = &kakaoapi.Profile{}
	}
	email := acc.Email
	if email != "" {
		email += fmt.Sprintf(" (is_email_valid=%s, is_email_verified=%s)", yesNo(acc.IsEmailValid), yesNo(acc.IsEmailVerified))
	}
	birthday := acc.Birthday
	if birthday != "" {
		birthday += " " + string(acc.BirthdayType)
		if acc.IsLeapMonth != nil && *acc.IsLeapMonth {
			birthday += " (leap month)"
		}
	}
	ci := acc.CI
	if ci != "" && acc.CIAuthenticatedAt != nil {
		ci += " (" + acc.CIAuthenticatedAt.Format(time.DateOnly) + ")"
	}
	isKorean := ""
	if acc.IsKorean != nil {
		isKorean = yesNo(acc.IsKorean)
	}
	return []field{
		fieldOf("nickname", "profile_nickname", acc.ProfileNicknameNeedsAgreement, p.Nickname),
		fieldOf("profile_image", "profile_image", acc.ProfileImageNeedsAgreement, p.ProfileImageURL),
		fieldOf("thumbnail_image", "profile_image", acc.ProfileImageNeedsAgreement, p.ThumbnailImageURL),
		fieldOf("name", "name", acc.NameNeedsAgreement, acc.Name),
		fieldOf("email", "account_email", acc.EmailNeedsAgreement, email),
		fieldOf("age_range", "age_range", acc.AgeRangeNeedsAgreement, string(acc.AgeRange)),
		fieldOf("birthyear", "birthyear", acc.BirthyearNeedsAgreement, acc.Birthyear),
		fieldOf("birthday", "birthday", acc.BirthdayNeedsAgreement, birthday),
		fieldOf("gender", "gender", acc.GenderNeedsAgreement, string(acc.Gender)),
		fieldOf("phone_number", "phone_number", acc.PhoneNumberNeedsAgreement, acc.PhoneNumber),
		fieldOf("ci", "account_ci", acc.CINeedsAgreement, ci),
		fieldOf("legal_name", "legal_name", acc.LegalNameNeedsAgreement, acc.LegalName),
		fieldOf("legal_birth_date", "legal_birth_date", acc.LegalBirthDateNeedsAgreement, acc.LegalBirthDate),
		fieldOf("legal_gender", "legal_gender", acc.LegalGenderNeedsAgreement, acc.LegalGender),
		fieldOf("is_korean", "is_korean", acc.IsKoreanNeedsAgreement, isKorean),
	}
}

// profile shows the identity and every kakao_account field, read from
// Kakao with the user's token (kg.Client refreshes it as needed).
func (a *app) profile(c *gin.Context) {
	id, _ := kakaogin.CurrentUser(c)
	ctx, cancel := context.WithTimeout(c.Request.Context(), 10*time.Second)
	defer cancel()
	api, auth := a.kg.Client(c)
	me, err := api.Me(ctx, auth, &kakaoapi.MeOptions{SecureResource: true})
	if err != nil {
		a.kakaoFail(c, err)
		return
	}
	fields := accountFields(me.KakaoAccount)
	ship := field{ID: "shipping_address", Scope: "shipping_address"}
	if si, err := api.ShippingAddresses(ctx, auth, nil); err == nil {
		var addrs []string
		for _, ad := range si.Addresses {
			addrs = append(addrs, strings.TrimSpace(ad.BaseAddress+" "+ad.DetailAddress))
		}
		ship = fieldOf(ship.ID, ship.Scope, si.NeedsAgreement, strings.Join(addrs, " / "))
	} else {
		ship.State = "ask" // Kakao answers an error without consent
	}
	fields = append(fields, ship)
	for i := range fields {
		fields[i].Askable = a.askable[fields[i].Scope]
	}
	connected := ""
	if me.ConnectedAt != nil {
		connected = me.ConnectedAt.Format(time.RFC3339)
	}
	a.render(c, http.StatusOK, "profile", "", gin.H{
		"ID": id, "Fields": fields, "ConnectedAt": connected, "Properties": me.Properties,
		"ShowImage": !a.demo && strings.HasPrefix(id.ImageURL, "https://"),
	})
}

// consent shows the consent items and service terms with their state and
// revoke buttons (POST consent/revoke and terms/revoke of the library).
func (a *app) consent(c *gin.Context) {
	items, err := a.kg.ConsentItems(c)
	if err != nil {
		a.kakaoFail(c, err)
		return
	}
	var terms []kakaoapi.ServiceTerm
	termsErr := ""
	if info, err := a.kg.ServiceTerms(c); err != nil {
		a.log.InfoContext(c.Request.Context(), "service terms unavailable", "err", err)
		termsErr = "consent.terms_none"
	} else {
		terms = info.ServiceTerms
	}
	var rows []consentRow
	for _, s := range items {
		if !s.Using && !s.Agreed {
			continue
		}
		rows = append(rows, consentRow{Scope: s,
			CanRevoke: s.Agreed && s.Revocable != nil && *s.Revocable,
			CanAsk:    !s.Agreed && a.askable[s.ID]})
	}
	a.render(c, http.StatusOK, "consent", "", gin.H{"Items": rows, "Terms": terms, "TermsErr": termsErr})
}

// consentRow is one consent item with what the page may offer for it.
type consentRow struct {
	kakaoapi.Scope
	CanRevoke, CanAsk bool
}

// kakaoFail answers a failed Kakao API call of a page: logged out when the
// session ended, else the library's error page for Kakao failures.
func (a *app) kakaoFail(c *gin.Context, err error) {
	switch {
	case errors.Is(err, kakaogin.ErrSessionEnded), errors.Is(err, kakaogin.ErrNoKakaoTokens):
		c.Redirect(http.StatusSeeOther, "/auth/kakao/login?next="+url.QueryEscape(c.Request.URL.Path))
	case errors.Is(err, kakaoapi.ErrUnavailable), errors.Is(err, kakaoapi.ErrRateLimited), errors.Is(err, context.DeadlineExceeded):
		a.fail(c, http.StatusServiceUnavailable, kakaogin.CodeKakaoUnavailable, err)
	default:
		a.fail(c, http.StatusBadGateway, kakaogin.CodeKakaoError, err)
	}
}
