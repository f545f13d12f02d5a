export {
  SupportTicket,
  type SupportTicketEntity,
  TICKET_STATUSES,
  type TicketStatus,
} from './support-ticket.entity.js';
