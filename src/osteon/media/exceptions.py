"""Errors of the media library: all 503, so a missing or broken video service never looks like a crash."""

from __future__ import annotations

from osteon.kit.errors import ServiceUnavailable


class MediaUnavailable(ServiceUnavailable):
    """Janus is down, timed out or answered with an error: the room works on without video."""

    code = "media.unavailable"
    title_zh = "视频服务暂不可用,请稍后重试"
    title_en = "The video service is unavailable right now; try again shortly"


class MediaNotConfigured(ServiceUnavailable):
    """OSTEON_JANUS_URL is set but the Admin API or its secret is not: tokens cannot be issued."""

    code = "media.not_configured"
    title_zh = "视频服务配置不完整,请联系管理员"
    title_en = "The video service is not fully configured; contact the administrator"


class RecordingFailed(ServiceUnavailable):
    """janus-pp-rec is missing or could not turn a recording into WebM (the .mjr files are kept)."""

    code = "media.recording_failed"
    title_zh = "会诊录像转换失败,原始录像已保留"
    title_en = "The consultation recording could not be converted; the raw recording was kept"
