package kakaogin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/kakaologin/kakaologin/kakaogin/kakaoapi"
)

// SetProperties stores custom user properties for the logged-in user;
// they appear in the user's Properties from Kakao and are deleted when the
// user unlinks. Keys must be defined in the Kakao Developers console
// first: an unknown key gives an error matching ErrInvalidItem and
// kakaoapi.ErrUnknownProperty. Keys must be non-empty and keys and values
// valid UTF-8; at most 64 properties per call.
func (k *Kakao) SetProperties(c *gin.Context, props map[string]string) error {
	if len(props) == 0 || len(props) > maxProperties {
		return fmt.Errorf("kakaogin: set properties: %w: between 1 and %d properties", ErrInvalidItem, maxProperties)
	}
	for key, v := range props {
		if key == "" || !utf8.ValidString(key) || hasForbiddenRune(key) || !utf8.ValidString(v) {
			return fmt.Errorf("kakaogin: set properties: %w: malformed key or value", ErrInvalidItem)
		}
	}
	l, ok := k.current(c)
	if !ok {
		return fmt.Errorf("kakaogin: set properties: %w", ErrNoKakaoTokens)
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), manageTimeout)
	defer cancel()
	api, auth := k.Client(c)
	id, err := api.UpdateProfile(ctx, auth, props)
	switch {
	case errors.Is(err, kakaoapi.ErrUnknownProperty):
		return fmt.Errorf("kakaogin: set properties: %w: %w", ErrInvalidItem, err)
	case err != nil:
		return fmt.Errorf("kakaogin: set properties: %w", err)
	case id != l.KakaoID:
		return fmt.Errorf("kakaogin: set properties: %w", errOtherUser)
	}
	keys := make([]string, 0, len(props))
	for key := range props {
		keys = append(keys, key)
	}
	slices.Sort(keys)
	// Keys only: values may be personal data.
	k.event(ctx, "user properties stored", "kakao_id", l.KakaoID, "keys", strings.Join(keys, ","))
	return nil
}
