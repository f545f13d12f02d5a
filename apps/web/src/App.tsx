import { PlansPanel } from './PlansPanel.js';
import { SystemStatus } from './SystemStatus.js';

/** The dashboard shell: sign-in and the admin screens will hang off this layout. */
export function App() {
  return (
    <>
      <header className="app-header">
        <h1>Digame Tenancy</h1>
      </header>
      <main className="app-main">
        <SystemStatus />
        <PlansPanel />
      </main>
    </>
  );
}
