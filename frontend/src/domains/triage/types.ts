import type {
  AssessResult,
  Booking,
  ChatMessage,
  InterviewRead,
  InterviewListItem,
  Question,
  QuickReply,
  SummaryRead,
  SummarySentence,
  TriageSummary,
} from '@/api/client'

export type {
  AssessResult,
  Booking,
  ChatMessage,
  InterviewRead,
  InterviewListItem,
  Question,
  QuickReply,
  SummaryRead,
  SummarySentence,
  TriageSummary,
}

export type Urgency = AssessResult['urgency']

/** What the chat page keeps in localStorage to resume after a reload (works before login). */
export interface StoredInterview {
  id: string
  token: string
}
