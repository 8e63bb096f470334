import { useCallback, useEffect, useState } from 'preact/hooks';
import { clearSession, loadConfig, restoreSession, saveSession, type AppConfig, type Session } from '../lib/session';
import { SignIn } from './SignIn';
import { TasksPage } from './TasksPage';

/** The whole app: the sign-in screen until there is a session, then the task list. */
export function App() {
  const [config, setConfig] = useState<AppConfig | null>(null);
  const [session, setSession] = useState<Session | null>(() => restoreSession(localStorage));
  const [notice, setNotice] = useState('');

  useEffect(() => {
    void loadConfig().then(setConfig);
  }, []);

  const signIn = useCallback((s: Session) => {
    saveSession(localStorage, s);
    setNotice('');
    setSession(s);
  }, []);

  // Stable, so the task page does not reload its list when this component re-renders.
  const signOut = useCallback((reason = '') => {
    clearSession(localStorage);
    setNotice(reason);
    setSession(null);
  }, []);

  if (session) {
    return <TasksPage session={session} onSignOut={signOut} />;
  }
  if (!config) {
    return (
      <main class="signin" aria-busy="true">
        <p>Loading…</p>
      </main>
    );
  }
  return <SignIn config={config} notice={notice} onSignIn={signIn} />;
}
