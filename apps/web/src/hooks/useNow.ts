import { useEffect, useState } from 'react';

/**
 * The current time (epoch ms), refreshed every `intervalMs` while `active`: for
 * countdowns such as a QR code's expiry or "reconnecting in 5 s".
 */
export function useNow(active: boolean, intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const timer = window.setInterval(() => setNow(Date.now()), intervalMs);
    return () => window.clearInterval(timer);
  }, [active, intervalMs]);
  return now;
}
