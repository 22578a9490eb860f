package kakaogin

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// Being written by the lead.
func (k *Kakao) handleLogout(c *gin.Context)           { c.Status(http.StatusNotImplemented) }
func (k *Kakao) handleLogoutCallback(c *gin.Context)   { c.Status(http.StatusNotImplemented) }
func (k *Kakao) handleLogoutEverywhere(c *gin.Context) { c.Status(http.StatusNotImplemented) }
func (k *Kakao) handleUnlink(c *gin.Context)           { c.Status(http.StatusNotImplemented) }
