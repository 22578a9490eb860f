package main

import (
	"context"
	"errors"
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
	Value string // in words, in the page's language
	Kind  string // how Value is shown: "text", "url" or "code" (wraps anywhere)
	Notes []string
	// State: "ok" (value shown), "empty" (agreed, Kakao has no data),
	// "ask" (not consented), "off" (not configured for the app).
	State   string
	Askable bool
}

// fieldOf classifies a kakao_account field by its *_needs_agreement flag.
func fieldOf(id, scope string, needs *bool, value string) field {
	f := field{ID: id, Scope: scope, Value: value, Kind: "text"}
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

// as sets how the field's value is shown and adds notes.
func (f field) as(kind string, notes ...string) field {
	f.Kind = kind
	for _, n := range notes {
		if n != "" {
			f.Notes = append(f.Notes, n)
		}
	}
	return f
}

// emailNotes are the email's validity and verification, in words.
func emailNotes(lang string, acc *kakaoapi.Account) []string {
	var out []string
	if b := acc.IsEmailVerified; b != nil {
		out = append(out, pick(lang, map[bool][2]string{true: {"인증됨", "verified"}, false: {"인증 안 됨", "not verified"}}[*b]))
	}
	if b := acc.IsEmailValid; b != nil {
		out = append(out, pick(lang, map[bool][2]string{true: {"사용 가능", "valid"}, false: {"사용할 수 없는 주소", "no longer valid"}}[*b]))
	}
	return out
}

// accountFields lists every kakao_account field, in the order of Kakao's
// documentation, with its value in words of lang.
func accountFields(lang string, acc *kakaoapi.Account) []field {
	if acc == nil {
		acc = &kakaoapi.Account{}
	}
	p := acc.Profile
	if p == nil {
		p = &kakaoapi.Profile{}
	}
	birthday := acc.Birthday
	if birthday != "" {
		birthday = birthdayWords(lang, birthday, string(acc.BirthdayType), acc.IsLeapMonth != nil && *acc.IsLeapMonth)
	}
	ciNote := ""
	if acc.CI != "" && acc.CIAuthenticatedAt != nil {
		ciNote = pick(lang, [2]string{"인증 ", "verified "}) + kstTime(*acc.CIAuthenticatedAt)
	}
	birthyear := acc.Birthyear
	if birthyear != "" {
		birthyear = birthyearWords(lang, birthyear)
	}
	ageRange := string(acc.AgeRange)
	if ageRange != "" {
		ageRange = ageRangeWords(lang, ageRange)
	}
	return []field{
		fieldOf("nickname", "profile_nickname", acc.ProfileNicknameNeedsAgreement, p.Nickname),
		fieldOf("profile_image", "profile_image", acc.ProfileImageNeedsAgreement, p.ProfileImageURL).as("url"),
		fieldOf("thumbnail_image", "profile_image", acc.ProfileImageNeedsAgreement, p.ThumbnailImageURL).as("url"),
		fieldOf("name", "name", acc.NameNeedsAgreement, acc.Name),
		fieldOf("email", "account_email", acc.EmailNeedsAgreement, acc.Email).as("code", emailNotes(lang, acc)...),
		fieldOf("age_range", "age_range", acc.AgeRangeNeedsAgreement, ageRange),
		fieldOf("birthyear", "birthyear", acc.BirthyearNeedsAgreement, birthyear),
		fieldOf("birthday", "birthday", acc.BirthdayNeedsAgreement, birthday),
		fieldOf("gender", "gender", acc.GenderNeedsAgreement, genderWord(lang, string(acc.Gender))),
		fieldOf("phone_number", "phone_number", acc.PhoneNumberNeedsAgreement, acc.PhoneNumber),
		fieldOf("ci", "account_ci", acc.CINeedsAgreement, acc.CI).as("code", ciNote),
		fieldOf("legal_name", "legal_name", acc.LegalNameNeedsAgreement, acc.LegalName),
		fieldOf("legal_birth_date", "legal_birth_date", acc.LegalBirthDateNeedsAgreement, acc.LegalBirthDate),
		fieldOf("legal_gender", "legal_gender", acc.LegalGenderNeedsAgreement, genderWord(lang, acc.LegalGender)),
		fieldOf("is_korean", "is_korean", acc.IsKoreanNeedsAgreement, yesNoWords(lang, acc.IsKorean)),
	}
}

// profile shows the identity and every kakao_account field, read from
// Kakao with the user's token (kg.Client refreshes it as needed), in words
// of the page's language; fields the app has not configured are folded
// away.
func (a *app) profile(c *gin.Context) {
	lang := pageLang(c.Request)
	id, _ := kakaogin.CurrentUser(c)
	ctx, cancel := context.WithTimeout(c.Request.Context(), 10*time.Second)
	defer cancel()
	api, auth := a.kg.Client(c)
	me, err := api.Me(ctx, auth, &kakaoapi.MeOptions{SecureResource: true})
	if err != nil {
		a.kakaoFail(c, err)
		return
	}
	fields := accountFields(lang, me.KakaoAccount)
	ship := field{ID: "shipping_address", Scope: "shipping_address", Kind: "text"}
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
	var shown, off []field
	for _, f := range fields {
		f.Askable = a.askable[f.Scope]
		if f.State == "off" {
			off = append(off, f)
			continue
		}
		shown = append(shown, f)
	}
	connected := ""
	if me.ConnectedAt != nil {
		connected = kstTime(*me.ConnectedAt)
	}
	a.popFlash(c)
	a.render(c, http.StatusOK, "profile", "", gin.H{
		"ID": id, "Fields": shown, "Off": off, "ConnectedAt": connected, "LoggedInAt": kstTime(id.LoggedInAt),
		"Granted": itemTitlesOf(lang, id.Scopes), "Properties": me.Properties,
		"ShowImage": !a.demo && strings.HasPrefix(id.ImageURL, "https://"),
	})
}

// consent shows the consent items and service terms by title, with their
// state, a link asking for what is not agreed yet and, for what may be
// withdrawn, a link to the confirmation step (the library's POST
// consent/revoke and terms/revoke come after it).
func (a *app) consent(c *gin.Context) {
	lang := pageLang(c.Request)
	items, err := a.kg.ConsentItems(c)
	if err != nil {
		a.kakaoFail(c, err)
		return
	}
	var terms []termRow
	termsErr := ""
	if info, err := a.kg.ServiceTerms(c); err != nil {
		a.log.InfoContext(c.Request.Context(), "service terms unavailable", "err", err)
		termsErr = "consent.terms_none"
	} else {
		for _, t := range info.ServiceTerms {
			row := termRow{ServiceTerm: t, Title: termTitle(lang, t.Tag), Known: termTitles[t.Tag] != [2]string{}}
			if t.AgreedAt != nil {
				row.AgreedAt = kstTime(*t.AgreedAt)
			}
			terms = append(terms, row)
		}
	}
	var rows []consentRow
	for _, s := range items {
		if (!s.Using && !s.Agreed) || hiddenItems[s.ID] {
			continue
		}
		title := itemTitle(lang, s.ID)
		if _, ok := itemTitles[s.ID]; !ok && s.DisplayName != "" {
			title = s.DisplayName
		}
		rows = append(rows, consentRow{Scope: s, Title: title,
			CanRevoke: s.Agreed && s.Revocable != nil && *s.Revocable,
			CanAsk:    !s.Agreed && a.askable[s.ID]})
	}
	a.popFlash(c)
	a.render(c, http.StatusOK, "consent", "", gin.H{"Items": rows, "Terms": terms, "TermsErr": termsErr})
}

// consentRow is one consent item with its title and what the page may
// offer for it.
type consentRow struct {
	kakaoapi.Scope
	Title             string
	CanRevoke, CanAsk bool
}

// termRow is one service term with its title and agreement time in words.
type termRow struct {
	kakaoapi.ServiceTerm
	Title    string
	Known    bool // the site has a page for it (/terms/<tag>)
	AgreedAt string
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
