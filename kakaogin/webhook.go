package kakaogin

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// handleUnlinkCallback is GET,POST unlink/callback (Kakao's unlink
// webhook). Being written: answers 501 until then.
func (k *Kakao) handleUnlinkCallback(c *gin.Context) {
	c.Status(http.StatusNotImplemented)
}
