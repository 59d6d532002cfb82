"""Triage settings (OSTEON_TRIAGE_*): the optional OpenAI-compatible LLM backend, off by default."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict

from osteon.triage.llm import LLMClient, LLMConfig


class TriageSettings(BaseSettings):
    """LLM_URL empty = offline engine only (the default)."""

    model_config = SettingsConfigDict(env_prefix="OSTEON_TRIAGE_", env_file=".env", extra="ignore")

    llm_url: str | None = None
    llm_model: str = "qwen2.5-7b-instruct"
    llm_api_key: str | None = None
    llm_timeout: float = 8.0

    def llm_client(self) -> LLMClient | None:
        """A client for the configured endpoint, or None when the LLM is off."""
        if not self.llm_url:
            return None
        return LLMClient(LLMConfig(self.llm_url, self.llm_model, self.llm_api_key, self.llm_timeout))


@lru_cache
def triage_settings() -> TriageSettings:
    """The process-wide triage settings (a FastAPI dependency; tests override it)."""
    return TriageSettings()
