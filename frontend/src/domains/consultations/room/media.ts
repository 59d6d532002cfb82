/** The local camera/microphone, devices and screen capture (browser APIs; no state of its own). */

export interface Devices {
  audio: MediaDeviceInfo[]
  video: MediaDeviceInfo[]
}

export async function listDevices(): Promise<Devices> {
  if (!navigator.mediaDevices?.enumerateDevices) return { audio: [], video: [] }
  const all = await navigator.mediaDevices.enumerateDevices()
  return {
    audio: all.filter((d) => d.kind === 'audioinput'),
    video: all.filter((d) => d.kind === 'videoinput'),
  }
}

/** Camera and microphone (either may be missing: the stream then has only what exists). */
export async function openLocalMedia(ids: { audio?: string; video?: string } = {}): Promise<MediaStream | null> {
  if (!navigator.mediaDevices?.getUserMedia) return null
  const video: MediaTrackConstraints = { width: { ideal: 640 }, height: { ideal: 480 }, ...(ids.video ? { deviceId: { exact: ids.video } } : {}) }
  const audio: MediaTrackConstraints | boolean = ids.audio ? { deviceId: { exact: ids.audio } } : true
  try {
    return await navigator.mediaDevices.getUserMedia({ audio, video })
  } catch {
    try {
      return await navigator.mediaDevices.getUserMedia({ audio: false, video })
    } catch {
      try {
        return await navigator.mediaDevices.getUserMedia({ audio, video: false })
      } catch {
        return null
      }
    }
  }
}

export async function openTrack(kind: 'audio' | 'video', deviceId: string): Promise<MediaStreamTrack | null> {
  try {
    const s = await navigator.mediaDevices.getUserMedia(
      kind === 'audio' ? { audio: { deviceId: { exact: deviceId } } } : { video: { deviceId: { exact: deviceId }, width: { ideal: 640 }, height: { ideal: 480 } } },
    )
    return (kind === 'audio' ? s.getAudioTracks() : s.getVideoTracks())[0] ?? null
  } catch {
    return null
  }
}

export async function openScreen(): Promise<MediaStreamTrack | null> {
  if (!navigator.mediaDevices?.getDisplayMedia) return null
  try {
    const s = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false })
    return s.getVideoTracks()[0] ?? null
  } catch {
    return null
  }
}

export function stopStream(s: MediaStream | null): void {
  for (const t of s?.getTracks() ?? []) t.stop()
}
